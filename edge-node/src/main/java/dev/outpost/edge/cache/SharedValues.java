package dev.outpost.edge.cache;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One copy, for the whole process, of what stored objects' headers repeat: the values of fields that are the same
 * for many objects of an origin ({@code Server}, {@code Content-Type}, {@code Cache-Control}, ...) and the lists of
 * field names (every answer of one origin has the same names in the same order). A stored object then holds a
 * reference to each, not a copy: a value's string costs ~40 B besides its text, and a names array 16 B plus 4 per
 * name, per entry.
 *
 * The same for whole-second durations (freshness lifetimes and stale windows).
 *
 * <p>Bounded and never emptied: the first {@value #MAX_VALUES} values (up to {@value #MAX_VALUE_LENGTH} chars),
 * {@value #MAX_SHAPES} name lists and {@value #MAX_DURATIONS} durations are kept for the life of the process (at most ~0.3 MiB, which the memory tier's
 * bound does not count, like the frequency sketch); anything later is stored as a copy per entry, charged to it.
 * Because a shared copy is never dropped, the bytes an entry is charged for (it is charged nothing for a shared
 * copy) stay what it holds for as long as it lives. Values that differ per object (Date, ETag, Last-Modified,
 * Content-Length, Expires, a Content-Security-Policy with a per-response nonce, ...) are never shared: they would
 * only fill the table, and sharing stops for good once it is full.
 */
final class SharedValues {
    static final int MAX_VALUES = 1024;
    static final int MAX_VALUE_LENGTH = 128;
    static final int MAX_SHAPES = 256;
    /** Fields whose values repeat across the objects of an origin. */
    private static final Set<String> REPEATING = Set.of("server", "content-type", "accept-ranges", "cache-control",
            "cdn-cache-control", "surrogate-control", "content-encoding", "content-language", "vary",
            "x-content-type-options", "x-frame-options", "referrer-policy", "strict-transport-security",
            "access-control-allow-origin", "timing-allow-origin", "cross-origin-resource-policy", "x-xss-protection",
            "pragma", "x-powered-by", "via");

    private static final ConcurrentHashMap<String, String> VALUES = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<List<String>, String[]> SHAPES = new ConcurrentHashMap<>();
    static final int MAX_DURATIONS = 1024;
    /** Whole-second durations (lifetimes and stale windows: {@code max-age=86400} on every object of a site). */
    private static final ConcurrentHashMap<Long, Duration> DURATIONS = new ConcurrentHashMap<>();

    private SharedValues() {
    }

    /** The shared copy of {@code value} of the field {@code lowerName}, or {@code value} itself when none is kept. */
    static String value(String lowerName, String value) {
        if (!REPEATING.contains(lowerName) || value.length() > MAX_VALUE_LENGTH) {
            return value;
        }
        String shared = VALUES.get(value);
        if (shared != null) {
            return shared;
        }
        if (VALUES.size() >= MAX_VALUES) {
            return value;
        }
        shared = VALUES.putIfAbsent(value, value);
        return shared != null ? shared : value;
    }

    /** Whether {@code value} is the shared copy (its bytes are not an entry's own). */
    static boolean isShared(String value) {
        return VALUES.get(value) == value;
    }

    /** The shared copy of a whole-second {@code d}, or {@code d} itself when none is kept. */
    static Duration duration(Duration d) {
        if (d.getNano() != 0 || d.isZero()) {
            return d.isZero() ? Duration.ZERO : d;
        }
        Duration shared = DURATIONS.get(d.getSeconds());
        if (shared != null || DURATIONS.size() >= MAX_DURATIONS) {
            return shared != null ? shared : d;
        }
        shared = DURATIONS.putIfAbsent(d.getSeconds(), d);
        return shared != null ? shared : d;
    }

    /** Whether {@code d} is a shared copy (or the JVM's own zero), not an entry's own object. */
    static boolean isShared(Duration d) {
        return d == Duration.ZERO || DURATIONS.get(d.getSeconds()) == d;
    }

    /** The shared array holding exactly {@code names[0..size)}, or {@code null} when none is kept. */
    static String[] names(String[] names, int size) {
        List<String> key = Arrays.asList(Arrays.copyOf(names, size));
        String[] shared = SHAPES.get(key);
        if (shared != null || SHAPES.size() >= MAX_SHAPES) {
            return shared;
        }
        String[] exact = key.toArray(String[]::new);
        shared = SHAPES.putIfAbsent(key, exact);
        return shared != null ? shared : exact;
    }
}
