package dev.outpost.control.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A token bucket per (token, action): {@code perMinute} calls at once, refilled evenly over a minute. Time comes
 * from the injected clock. {@link #tryAcquire} answers how many seconds to wait (for Retry-After) when over budget.
 */
final class RateLimiter {
    private static final long MINUTE_NANOS = Duration.ofMinutes(1).toNanos();

    private final Clock clock;
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        Instant refilled;

        Bucket(double tokens, Instant refilled) {
            this.tokens = tokens;
            this.refilled = refilled;
        }
    }

    RateLimiter(Clock clock) {
        this.clock = clock;
    }

    /** Takes one call from the budget; empty when allowed, else the seconds until one is available (>= 1). */
    OptionalLong tryAcquire(String key, int perMinute) {
        Instant now = clock.instant();
        Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(perMinute, now));
        synchronized (bucket) {
            long elapsed = Math.max(0, Duration.between(bucket.refilled, now).toNanos());
            bucket.tokens = Math.min(perMinute, bucket.tokens + (double) elapsed * perMinute / MINUTE_NANOS);
            bucket.refilled = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return OptionalLong.empty();
            }
            double missingNanos = (1 - bucket.tokens) * MINUTE_NANOS / perMinute;
            return OptionalLong.of(Math.max(1, (long) Math.ceil(missingNanos / 1e9)));
        }
    }
}
