package dev.outpost.common.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A parsed Cache-Control (or CDN-Cache-Control / Surrogate-Control) field: directives with and without values,
 * quoted strings, several field lines. Parsing follows RFC 9111 §4.2.1 and §5.2: names are case-insensitive, the
 * first occurrence of a directive wins, a freshness directive given twice with different values or an invalid
 * delta-seconds makes the response stale (0), a delta-seconds too large to represent is 2^31, and elements that are
 * not directives at all are skipped rather than failing the whole field.
 */
public final class CacheControl {
    /** RFC 9111 §1.2.2: a delta-seconds too large to represent is taken as 2^31. */
    public static final long MAX_DELTA_SECONDS = 2_147_483_648L;

    private static final CacheControl EMPTY = new CacheControl(Map.of(), Set.of());
    /** RFC 9110 tchar, indexed by char ({@link #isTokenChar}). */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = 0; c < TCHAR.length; c++) {
            TCHAR[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
        }
    }

    /** Directive name (lower case) → value; the value is empty for a directive given without one. */
    private final Map<String, Optional<String>> directives;
    /** Directives that appeared more than once with different values. */
    private final Set<String> conflicting;

    private CacheControl(Map<String, Optional<String>> directives, Set<String> conflicting) {
        this.directives = directives;
        this.conflicting = conflicting;
    }

    public static CacheControl empty() {
        return EMPTY;
    }

    /** Parses one field value. */
    public static CacheControl parse(String fieldValue) {
        return fieldValue == null ? EMPTY : parse(List.of(fieldValue));
    }

    /** Parses every field line of the field, in order, as one comma-separated list (RFC 9110 §5.3). */
    public static CacheControl parse(List<String> fieldLines) {
        Map<String, Optional<String>> directives = new LinkedHashMap<>();
        Set<String> conflicting = new HashSet<>();
        for (String line : fieldLines) {
            if (line != null) {
                parseLine(line, directives, conflicting);
            }
        }
        if (directives.isEmpty()) {
            return EMPTY;
        }
        return new CacheControl(Collections.unmodifiableMap(directives), Set.copyOf(conflicting));
    }

    private static void parseLine(String s, Map<String, Optional<String>> out, Set<String> conflicting) {
        int i = 0;
        int n = s.length();
        while (i < n) {
            // name: a token, up to '=', ',' or whitespace
            while (i < n && (s.charAt(i) == ',' || isWhitespace(s.charAt(i)))) {
                i++;
            }
            int nameStart = i;
            while (i < n && isTokenChar(s.charAt(i))) {
                i++;
            }
            String name = s.substring(nameStart, i).toLowerCase(Locale.ROOT);
            while (i < n && isWhitespace(s.charAt(i))) {
                i++;
            }
            Optional<String> value = Optional.empty();
            boolean garbage = name.isEmpty();
            if (i < n && s.charAt(i) == '=') {
                i++;
                while (i < n && isWhitespace(s.charAt(i))) {
                    i++;
                }
                if (i < n && s.charAt(i) == '"') {
                    StringBuilder quoted = new StringBuilder();
                    i++;
                    while (i < n && s.charAt(i) != '"') {
                        char c = s.charAt(i);
                        if (c == '\\' && i + 1 < n) {
                            c = s.charAt(++i);
                        }
                        quoted.append(c);
                        i++;
                    }
                    i++; // closing quote (or past the end of an unterminated one)
                    value = Optional.of(quoted.toString());
                } else {
                    int valueStart = i;
                    while (i < n && isTokenChar(s.charAt(i))) {
                        i++;
                    }
                    value = Optional.of(s.substring(valueStart, i));
                }
            }
            // Anything else up to the next comma makes this element garbage: skip it whole.
            while (i < n && s.charAt(i) != ',') {
                if (!isWhitespace(s.charAt(i))) {
                    garbage = true;
                }
                i++;
            }
            if (garbage) {
                continue;
            }
            Optional<String> first = out.putIfAbsent(name, value);
            if (first != null && !first.equals(value)) {
                conflicting.add(name);
            }
        }
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    /** RFC 9110 tchar, by table: directive names are full of '-', which a search of the symbols cost per char. */
    private static boolean isTokenChar(char c) {
        return c < TCHAR.length && TCHAR[c];
    }

    public boolean isEmpty() {
        return directives.isEmpty();
    }

    public boolean has(String directive) {
        return directives.containsKey(directive);
    }

    /** The directive's value, unquoted; empty when the directive is absent or has no value. */
    public Optional<String> value(String directive) {
        Optional<String> v = directives.get(directive);
        return v == null ? Optional.empty() : v;
    }

    /** Directive names, in the order they first appeared. */
    public Set<String> names() {
        return directives.keySet();
    }

    /**
     * A delta-seconds directive (max-age, s-maxage, stale-while-revalidate, ...). Empty when absent; 0 when its
     * value is missing, not a number, or given twice with different values (RFC 9111 says: treat as stale);
     * {@link #MAX_DELTA_SECONDS} when too large.
     */
    public OptionalLong seconds(String directive) {
        Optional<String> v = directives.get(directive);
        if (v == null) {
            return OptionalLong.empty();
        }
        if (conflicting.contains(directive) || v.isEmpty()) {
            return OptionalLong.of(0);
        }
        return OptionalLong.of(parseDeltaSeconds(v.get()));
    }

    static long parseDeltaSeconds(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        long result = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            result = result * 10 + (c - '0');
            if (result >= MAX_DELTA_SECONDS) {
                return MAX_DELTA_SECONDS;
            }
        }
        return result;
    }

    /**
     * The field names a qualified {@code no-cache="..."} or {@code private="..."} lists (lower case); empty when
     * the directive is absent or unqualified.
     */
    public List<String> fieldNames(String directive) {
        Optional<String> v = value(directive);
        if (v.isEmpty()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (String part : v.get().split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    public OptionalLong maxAge() {
        return seconds("max-age");
    }

    public OptionalLong sMaxAge() {
        return seconds("s-maxage");
    }

    public OptionalLong staleWhileRevalidate() {
        return seconds("stale-while-revalidate");
    }

    public OptionalLong staleIfError() {
        return seconds("stale-if-error");
    }

    public boolean noStore() {
        return has("no-store");
    }

    /** Unqualified no-cache: the whole response must be revalidated before each use. */
    public boolean noCache() {
        return has("no-cache") && value("no-cache").isEmpty();
    }

    public boolean isPrivate() {
        return has("private");
    }

    public boolean isPublic() {
        return has("public");
    }

    public boolean mustRevalidate() {
        return has("must-revalidate");
    }

    public boolean proxyRevalidate() {
        return has("proxy-revalidate");
    }

    public boolean immutable() {
        return has("immutable");
    }

    public boolean noTransform() {
        return has("no-transform");
    }

    public boolean onlyIfCached() {
        return has("only-if-cached");
    }

    /** The field value written back in canonical form (lower-case names, values quoted only when needed). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        directives.forEach((name, value) -> {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(name);
            value.ifPresent(v -> {
                sb.append('=');
                if (!v.isEmpty() && v.chars().allMatch(c -> isTokenChar((char) c))) {
                    sb.append(v);
                } else {
                    sb.append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
                }
            });
        });
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CacheControl other && directives.equals(other.directives)
                && conflicting.equals(other.conflicting);
    }

    @Override
    public int hashCode() {
        return directives.hashCode();
    }
}
