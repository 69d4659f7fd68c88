package dev.outpost.control.dns;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;

/**
 * Response rate limiting for UDP (the defence of authoritative servers against reflection, as BIND's RRL): a
 * token bucket per source network (/24 for IPv4, /56 for IPv6: one spoofer owns no more than that), refilled at
 * {@code perSecond} with a burst of one second's worth. Sources are kept in a bounded cache (a flood of spoofed
 * sources evicts, it does not grow memory); time is the injected clock.
 */
final class SourceRateLimit {
    private static final int MAX_SOURCES = 100_000;

    private final Clock clock;
    private final int perSecond;
    private final Cache<String, Bucket> buckets;

    private static final class Bucket {
        double tokens;
        long refilledNanos;

        Bucket(double tokens, long refilledNanos) {
            this.tokens = tokens;
            this.refilledNanos = refilledNanos;
        }
    }

    SourceRateLimit(Clock clock, int perSecond) {
        this.clock = clock;
        this.perSecond = perSecond;
        this.buckets = Caffeine.newBuilder().maximumSize(MAX_SOURCES)
                .expireAfterAccess(Duration.ofMinutes(1)).build();
    }

    /** Takes one response from {@code source}'s network budget; false when it is spent. */
    boolean tryAcquire(InetAddress source) {
        long now = nanos();
        Bucket bucket = buckets.get(network(source), k -> new Bucket(perSecond, now));
        synchronized (bucket) {
            long elapsed = Math.max(0, now - bucket.refilledNanos);
            bucket.tokens = Math.min(perSecond, bucket.tokens + elapsed * (double) perSecond / 1e9);
            bucket.refilledNanos = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return true;
            }
            return false;
        }
    }

    private long nanos() {
        java.time.Instant t = clock.instant();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    static String network(InetAddress source) {
        byte[] a = source.getAddress();
        int keep = a.length == 4 ? 3 : 7;
        return Arrays.toString(Arrays.copyOf(a, keep));
    }
}
