package dev.outpost.edge.config;

import java.time.Duration;

/** Null-to-default and range checks shared by the config records; every message names the key. */
final class Defaults {
    private Defaults() {
    }

    static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }

    static long positive(String key, Long value, long fallback) {
        long v = value == null ? fallback : value;
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, was " + v);
        }
        return v;
    }

    static Duration positive(String key, Duration value, Duration fallback) {
        Duration v = value == null ? fallback : value;
        if (v.isNegative() || v.isZero()) {
            throw new IllegalArgumentException(key + " must be > 0, was " + v);
        }
        return v;
    }

    static Duration notNegative(String key, Duration value, Duration fallback) {
        Duration v = value == null ? fallback : value;
        if (v.isNegative()) {
            throw new IllegalArgumentException(key + " must be >= 0, was " + v);
        }
        return v;
    }
}
