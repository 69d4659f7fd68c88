package dev.outpost.edge.cache;

import dev.outpost.common.problem.Problem;
import dev.outpost.common.service.CacheKeyRules;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Turns a request on a delivery service into its cache key {@code <service>/normalized/path?sorted=query}: one
 * entry per object of the service whatever Host the client used (the Host only selects the service; the origin
 * never sees it, so it cannot change the body — as ATS keys by the remapped URL). The same normalizer builds the
 * origin request target and purge keys, so what is cached, what is fetched and what is purged always agree. Path:
 * percent-escapes of unreserved characters decoded, other escapes upper-cased, dot segments removed. Query: dropped
 * parameters removed, the rest optionally sorted.
 */
public final class CacheKeys {
    private final String service;
    private final List<String> dropExact = new ArrayList<>();
    private final List<String> dropPrefixes = new ArrayList<>();
    private final boolean sort;

    /** @param service the delivery service's name ({@code [A-Za-z0-9._-]+}, unique): the first part of its keys */
    public CacheKeys(String service, CacheKeyRules rules) {
        if (!service.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("a service name in a cache key must be [A-Za-z0-9._-]+, was '"
                    + service + "'");
        }
        this.service = service;
        for (String glob : rules.dropParams()) {
            if (glob.endsWith("*")) {
                dropPrefixes.add(glob.substring(0, glob.length() - 1));
            } else {
                dropExact.add(glob);
            }
        }
        this.sort = rules.sortParams();
    }

    /** The cache key for a request with the raw path and query (query may be null or empty). */
    public String key(String rawPath, String rawQuery) {
        return service + target(rawPath, rawQuery);
    }

    /**
     * The key prefix of a purge by URL prefix: the path normalized (a trailing {@code /} kept), the query, if any,
     * kept as written.
     */
    public String keyPrefix(String rawPath, String rawQuery) {
        String path = normalizePath(rawPath);
        if (rawPath != null && rawPath.endsWith("/") && !path.endsWith("/")) {
            path = path + "/";
        }
        return service + path + (rawQuery == null ? "" : "?" + rawQuery);
    }

    /** The prefix every key of this service starts with. */
    public String serviceKeyPrefix() {
        return service + "/";
    }

    /** Normalized path plus the kept query: what the edge sends to the origin and the tail of the key. */
    public String target(String rawPath, String rawQuery) {
        String path = normalizePath(rawPath);
        String query = normalizeQuery(rawQuery);
        return query.isEmpty() ? path : path + "?" + query;
    }

    /** A raw path as keys and origin requests spell it (escapes and dot segments normalized). */
    public static String normalizedPath(String rawPath) {
        return normalizePath(rawPath);
    }

    static String normalizePath(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        String path = rawPath.startsWith("/") ? rawPath : "/" + rawPath;
        return removeDotSegments(normalizeEscapes(path, false));
    }

    String normalizeQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String> kept = new ArrayList<>();
        for (String param : rawQuery.split("&")) {
            if (param.isEmpty()) {
                continue;
            }
            String normalized = normalizeEscapes(param, true);
            int eq = normalized.indexOf('=');
            String name = eq < 0 ? normalized : normalized.substring(0, eq);
            if (!dropped(name)) {
                kept.add(normalized);
            }
        }
        if (sort) {
            kept.sort(null);
        }
        return String.join("&", kept);
    }

    private boolean dropped(String name) {
        if (dropExact.contains(name)) {
            return true;
        }
        for (String prefix : dropPrefixes) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Decodes escapes of unreserved characters, upper-cases the rest; rejects malformed escapes. */
    private static String normalizeEscapes(String s, boolean query) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i + 2 >= s.length() || hex(s.charAt(i + 1)) < 0 || hex(s.charAt(i + 2)) < 0) {
                throw Problem.invalid("bad_url", "malformed percent-escape in '" + s + "'");
            }
            char decoded = (char) (hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
            if (isUnreserved(decoded)) {
                out.append(decoded);
            } else {
                out.append('%').append(Character.toUpperCase(s.charAt(i + 1)))
                        .append(Character.toUpperCase(s.charAt(i + 2)));
            }
            i += 2;
        }
        return out.toString();
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    private static boolean isUnreserved(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0;
    }

    /** RFC 3986 §5.2.4, on segments; never climbs above the root. */
    private static String removeDotSegments(String path) {
        // A dot segment always starts right after a '/': "/app.v2.js" has none and is returned as is.
        if (!path.contains("/.")) {
            return path;
        }
        Deque<String> out = new ArrayDeque<>();
        String[] segments = path.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String seg = segments[i];
            boolean last = i == segments.length - 1;
            if (seg.equals(".")) {
                if (last) {
                    out.addLast("");
                }
            } else if (seg.equals("..")) {
                out.pollLast();
                if (last) {
                    out.addLast("");
                }
            } else {
                out.addLast(seg);
            }
        }
        return "/" + String.join("/", out);
    }
}
