package dev.outpost.origin.assets;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with "equal jitter": before retry {@code n} (1-based) the wait is between half of and all of
 * {@code min(max, initial * 2^(n-1))}. The jitter keeps origins that lost the same receiver from retrying in step;
 * the lower half bound keeps the growth. Pure: the random source is passed in.
 */
public record Backoff(Duration initial, Duration max) {
    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff must satisfy 0 < initial <= max, were " + initial
                    + " and " + max);
        }
    }

    public Duration delayBefore(int retry, RandomGenerator random) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry counts from 1, was " + retry);
        }
        long initialMillis = initial.toMillis();
        long maxMillis = max.toMillis();
        int shift = retry - 1;
        // Doubling overflows long long before it matters: cap as soon as the next doubling would pass max.
        long ceiling = shift >= 62 || initialMillis > maxMillis >> shift ? maxMillis : initialMillis << shift;
        long half = ceiling / 2;
        return Duration.ofMillis(ceiling - half + random.nextLong(half + 1));
    }
}
