package dev.outpost.edge.cache;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Carries out purges on the store: by URL (every Vary variant), URL prefix, surrogate key, host, or everything;
 * hard (remove) or soft (mark stale, so the next request revalidates and the old copy stays usable on errors).
 * URLs are normalized with the delivery service's own key rules, so a purge hits exactly what requests cached.
 * The admin API and, later, the control-plane client drive it.
 */
public final class Purger {
    private final CacheStore store;
    private final Function<String, CacheKeys> keysForHost;

    /** @param keysForHost the key normalizer of the delivery service serving a host (defaults for unknown hosts) */
    public Purger(CacheStore store, Function<String, CacheKeys> keysForHost) {
        this.store = store;
        this.keysForHost = keysForHost;
    }

    /** What to purge; absent lists are empty. */
    public record Request(List<String> urls, List<String> prefixes, List<String> tags, List<String> hosts,
            Boolean all, Boolean soft) {
        public Request {
            urls = urls == null ? List.of() : List.copyOf(urls);
            prefixes = prefixes == null ? List.of() : List.copyOf(prefixes);
            tags = tags == null ? List.of() : List.copyOf(tags);
            hosts = hosts == null ? List.of() : List.copyOf(hosts);
            all = all != null && all;
            soft = soft != null && soft;
            if (urls.isEmpty() && prefixes.isEmpty() && tags.isEmpty() && hosts.isEmpty() && !all) {
                throw new IllegalArgumentException("a purge must name urls, prefixes, tags, hosts or all=true");
            }
        }
    }

    /** What a purge did: stored variants removed, or marked stale when soft. */
    public record Result(int removed, int markedStale) {
    }

    public Result purge(Request request) {
        boolean soft = request.soft();
        int count = 0;
        for (String url : request.urls()) {
            count += store.purge(key(url), soft);
        }
        for (String prefix : request.prefixes()) {
            String keyPrefix = prefixKey(prefix);
            count += store.purgeIf(k -> k.startsWith(keyPrefix), soft);
        }
        for (String tag : request.tags()) {
            count += store.purgeTag(tag, soft);
        }
        for (String host : request.hosts()) {
            String keyPrefix = "http://" + host.toLowerCase(Locale.ROOT) + "/";
            count += store.purgeIf(k -> k.startsWith(keyPrefix), soft);
        }
        if (request.all()) {
            count += store.purgeIf(k -> true, soft);
        }
        return soft ? new Result(0, count) : new Result(count, 0);
    }

    /** The cache key of an absolute URL, normalized by its host's rules. */
    public String key(String url) {
        URI uri = parse(url);
        return keysForHost.apply(uri.getHost().toLowerCase(Locale.ROOT))
                .key(uri.getHost(), uri.getRawPath(), uri.getRawQuery());
    }

    /** A prefix is normalized as a path only: its query (if any) is kept as written. */
    private String prefixKey(String prefix) {
        URI uri = parse(prefix);
        String path = CacheKeys.normalizePath(uri.getRawPath());
        if (uri.getRawPath() != null && uri.getRawPath().endsWith("/") && !path.endsWith("/")) {
            path = path + "/";
        }
        return "http://" + uri.getHost().toLowerCase(Locale.ROOT) + path
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    private static URI parse(String url) {
        try {
            URI uri = URI.create(url);
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new IllegalArgumentException("'" + url + "' is not an absolute http(s) URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + url + "' is not an absolute http(s) URL", e);
        }
    }
}
