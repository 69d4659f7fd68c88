package dev.outpost.common.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one config idiom, used by every config record's compact constructor: a key absent from the file arrives as
 * {@code null} (boxed numbers, {@code Duration}, lists, {@code Optional}) and takes its default here; a value out of
 * range fails with an {@link IllegalArgumentException} whose message names the key ({@code ConfigFiles} adds the
 * file and the path). Zero is a value like any other, never "absent".
 */
public final class ConfigValues {
    private ConfigValues() {
    }

    public static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }

    /** An absent optional key. */
    public static <T> Optional<T> orEmpty(Optional<T> value) {
        return value == null ? Optional.empty() : value;
    }

    /** An absent optional text key, or a blank one, is empty. */
    public static Optional<String> orEmptyText(Optional<String> value) {
        return orEmpty(value).filter(v -> !v.isBlank());
    }

    /** An absent list is empty; the list kept is immutable. */
    public static <T> List<T> orEmpty(List<T> value) {
        return value == null ? List.of() : List.copyOf(value);
    }

    /** An absent map is empty; the map kept is immutable. */
    public static <K, V> Map<K, V> orEmpty(Map<K, V> value) {
        return value == null ? Map.of() : Map.copyOf(value);
    }

    public static int atLeast(String key, Integer value, int fallback, int min) {
        int v = value == null ? fallback : value;
        if (v < min) {
            throw new IllegalArgumentException(key + " must be >= " + min + ", was " + v);
        }
        return v;
    }

    public static long atLeast(String key, Long value, long fallback, long min) {
        long v = value == null ? fallback : value;
        if (v < min) {
            throw new IllegalArgumentException(key + " must be >= " + min + ", was " + v);
        }
        return v;
    }

    public static int between(String key, Integer value, int fallback, int min, int max) {
        int v = atLeast(key, value, fallback, min);
        if (v > max) {
            throw new IllegalArgumentException(key + " must be " + min + ".." + max + ", was " + v);
        }
        return v;
    }

    public static long between(String key, Long value, long fallback, long min, long max) {
        long v = atLeast(key, value, fallback, min);
        if (v > max) {
            throw new IllegalArgumentException(key + " must be " + min + ".." + max + ", was " + v);
        }
        return v;
    }

    public static Duration positive(String key, Duration value, Duration fallback) {
        Duration v = value == null ? fallback : value;
        if (v.isNegative() || v.isZero()) {
            throw new IllegalArgumentException(key + " must be > 0, was " + v);
        }
        return v;
    }

    public static Duration notNegative(String key, Duration value, Duration fallback) {
        Duration v = value == null ? fallback : value;
        if (v.isNegative()) {
            throw new IllegalArgumentException(key + " must be >= 0, was " + v);
        }
        return v;
    }

    /** A positive duration of at most {@code max}. */
    public static Duration atMost(String key, Duration value, Duration fallback, Duration max) {
        Duration v = positive(key, value, fallback);
        if (v.compareTo(max) > 0) {
            throw new IllegalArgumentException(key + " must be > 0 and at most " + max + ", was " + v);
        }
        return v;
    }
}
