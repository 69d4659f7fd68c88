package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * A token bucket per (token, action): {@code perMinute} calls at once, refilled evenly over a minute. Time comes
 * from the injected clock. {@link #tryAcquire} answers how many seconds to wait (for Retry-After) when over budget.
 * A route declares its budget: {@link #upFront} takes a call before the endpoint runs, {@link #onAccept} leaves
 * the moment to the endpoint ({@link #spend}), for calls where a retried or refused request must cost nothing.
 */
final class RateLimiter {
    private static final long MINUTE_NANOS = Duration.ofMinutes(1).toNanos();
    private static final AttachmentKey<Budget> BUDGET = AttachmentKey.create(Budget.class);

    private final Clock clock;
    private final Consumer<String> refused;
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        Instant refilled;

        Bucket(double tokens, Instant refilled) {
            this.tokens = tokens;
            this.refilled = refilled;
        }
    }

    /** {@code refused} hears the action of every call refused with 429 (the metrics). */
    RateLimiter(Clock clock, Consumer<String> refused) {
        this.clock = clock;
        this.refused = refused;
    }

    /** The budget of one route for the authenticated token; {@link #spend} takes one call of it. */
    private record Budget(RateLimiter limiter, Principal who, String action, int perMinute) {
        /** Takes one call from the token's budget for the action; 429 with Retry-After when it is used up. */
        void spend() {
            OptionalLong retryAfter = limiter.tryAcquire(who.name() + "/" + action, perMinute);
            if (retryAfter.isPresent()) {
                limiter.refused.accept(action);
                long seconds = retryAfter.getAsLong();
                throw new ApiException(429, "rate_limited", "token '" + who.name() + "' may " + action + " "
                        + perMinute + " times per minute; retry in " + seconds + " s")
                        .withHeader("Retry-After", Long.toString(seconds));
            }
        }
    }

    /** The route costs one call of {@code action}'s budget before its endpoint runs (after authentication). */
    HandlerWrapper upFront(String action, int perMinute) {
        return next -> exchange -> {
            new Budget(this, Auth.principal(exchange), action, perMinute).spend();
            next.handleRequest(exchange);
        };
    }

    /** The route has a budget its endpoint spends once it accepts the call ({@link #spend}). */
    HandlerWrapper onAccept(String action, int perMinute) {
        return next -> exchange -> {
            exchange.putAttachment(BUDGET, new Budget(this, Auth.principal(exchange), action, perMinute));
            next.handleRequest(exchange);
        };
    }

    /** Spends one call of the route's {@link #onAccept} budget. */
    static void spend(HttpServerExchange exchange) {
        Budget budget = exchange.getAttachment(BUDGET);
        if (budget == null) {
            throw new IllegalStateException(exchange.getRequestPath() + " has no budget in the route table");
        }
        budget.spend();
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
