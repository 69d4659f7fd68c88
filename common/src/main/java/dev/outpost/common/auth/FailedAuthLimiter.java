package dev.outpost.common.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The failed-authentication budget of every client: a token bucket per client address (an IPv6 client by its /64,
 * which one host usually holds whole), emptied by failures and refilled at {@code maxFailures} per {@code window}.
 * Buckets live in a Caffeine cache bounded by {@code maxClients} and dropped once they would be full again, so a
 * flood of addresses costs bounded memory. Time comes from the injected clock. Thread-safe.
 */
public final class FailedAuthLimiter {
    private final FailedAuthLimits limits;
    private final Clock clock;
    private final long refillNanosPerFailure;
    private final Cache<String, Bucket> buckets;

    /** Failures still allowed (in nanoseconds of refill, so no fractions) as of a time. */
    private static final class Bucket {
        long emptyUntilNanos; // the bucket is full at this time or later; each failure pushes it further

        Bucket(long now) {
            emptyUntilNanos = now;
        }
    }

    public FailedAuthLimiter(FailedAuthLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
        this.refillNanosPerFailure = limits.window().toNanos() / limits.maxFailures();
        this.buckets = Caffeine.newBuilder()
                .maximumSize(limits.maxClients())
                .expireAfterAccess(limits.window().toNanos(), TimeUnit.NANOSECONDS)
                .ticker(this::nowNanos)
                .build();
    }

    /** Empty when the client may try to authenticate, else the whole seconds until it may (>= 1). */
    public OptionalLong retryAfter(InetAddress client) {
        Bucket bucket = buckets.getIfPresent(key(client));
        if (bucket == null) {
            return OptionalLong.empty();
        }
        synchronized (bucket) {
            // The budget is empty once the debt reaches the window: maxFailures failures not yet refilled.
            long wait = bucket.emptyUntilNanos - limits.window().toNanos() + refillNanosPerFailure - nowNanos();
            return wait <= 0 ? OptionalLong.empty() : OptionalLong.of(Math.max(1, (wait + 999_999_999) / 1_000_000_000));
        }
    }

    /** Takes one failure from the client's budget. */
    public void failed(InetAddress client) {
        long now = nowNanos();
        Bucket bucket = buckets.get(key(client), k -> new Bucket(now));
        synchronized (bucket) {
            bucket.emptyUntilNanos = Math.max(bucket.emptyUntilNanos, now) + refillNanosPerFailure;
        }
    }

    /** Clients remembered now (for tests of the memory bound). */
    public long trackedClients() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    /** IPv4 addresses as they are; IPv6 ones by their /64 network. */
    static String key(InetAddress client) {
        byte[] bytes = client.getAddress();
        if (client instanceof Inet6Address) {
            StringBuilder b = new StringBuilder("v6:");
            for (int i = 0; i < 8; i++) {
                b.append(String.format("%02x", bytes[i] & 0xff));
            }
            return b.append("::/64").toString();
        }
        return client.getHostAddress();
    }

    private long nowNanos() {
        java.time.Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
