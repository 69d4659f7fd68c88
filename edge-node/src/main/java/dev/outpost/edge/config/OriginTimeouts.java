package dev.outpost.edge.config;

import dev.outpost.common.config.ConfigValues;
import java.time.Duration;

/**
 * Requests to origins (the {@code origin} section): timeouts, each origin attempt getting its own, the caps on
 * requests open at once ({@code OriginSlots}), the circuit breaker per origin ({@code OriginHealth}), and when a
 * fetch through a shield may go to the origin instead ({@code Upstream}).
 *
 * @param connect              time to open a connection; default 2 s
 * @param read                 longest silence while reading a response; default 10 s
 * @param total                whole call including the body; default 30 s
 * @param maxRequests          origin requests this edge has open at once, per origin; default 256
 * @param maxRequestsPerClient of those, requests one client address may cause at once; default 64
 * @param queueWait            longest a request waits for a place under those caps (then 503); default 5 s
 * @param breaker              the circuit breaker per origin ({@link OriginBreaker}); default on
 * @param shieldFallback       when a fetch through a shield passes it over ({@link ShieldFallback}); default
 *                             {@code shield-failure}: only when the shield itself failed; no effect on a shield
 * @param fetchThreads         platform threads kept for origin fetches (a blocking read on one is woken by the
 *                             kernel directly: about half the context switches of a virtual thread's, which parks
 *                             on the JDK's poller); fetches beyond them run on virtual threads, so a slow origin
 *                             never queues misses; 0: virtual threads only; default 64
 * @param fetchOnIoThread      whether a small miss on a plain-HTTP origin is fetched on the client connection's own
 *                             IO thread, without blocking ({@code IoOrigin}), instead of on a fetch thread; default
 *                             true (false in a JVM run with {@code -Doutpost.fetchOnIoThread=false}: how CI runs
 *                             the edge's integration tests a second time on the blocking path)
 */
public record OriginTimeouts(Duration connect, Duration read, Duration total, Integer maxRequests,
        Integer maxRequestsPerClient, Duration queueWait, OriginBreaker breaker, ShieldFallback shieldFallback,
        Integer fetchThreads, Boolean fetchOnIoThread) {
    /**
     * The default of {@code origin.fetchOnIoThread} in this JVM: true, unless the JVM property
     * {@code outpost.fetchOnIoThread} says {@code false} (the blocking path's test run, an A/B benchmark). Before
     * {@link #DEFAULTS}, which takes it.
     */
    public static final boolean FETCH_ON_IO_THREAD_DEFAULT =
            Boolean.parseBoolean(System.getProperty("outpost.fetchOnIoThread", "true"));
    public static final OriginTimeouts DEFAULTS = new OriginTimeouts(null, null, null, null, null, null, null, null,
            null, null);

    /** Everything but fetchOnIoThread (its default). */
    public OriginTimeouts(Duration connect, Duration read, Duration total, Integer maxRequests,
            Integer maxRequestsPerClient, Duration queueWait, OriginBreaker breaker, ShieldFallback shieldFallback,
            Integer fetchThreads) {
        this(connect, read, total, maxRequests, maxRequestsPerClient, queueWait, breaker, shieldFallback,
                fetchThreads, null);
    }

    /** Timeouts and caps with the default breaker. */
    public OriginTimeouts(Duration connect, Duration read, Duration total, Integer maxRequests,
            Integer maxRequestsPerClient, Duration queueWait) {
        this(connect, read, total, maxRequests, maxRequestsPerClient, queueWait, null, null, null);
    }

    /** Timeouts, caps and breaker with the default shield fallback. */
    public OriginTimeouts(Duration connect, Duration read, Duration total, Integer maxRequests,
            Integer maxRequestsPerClient, Duration queueWait, OriginBreaker breaker) {
        this(connect, read, total, maxRequests, maxRequestsPerClient, queueWait, breaker, null, null);
    }

    public OriginTimeouts {
        connect = ConfigValues.positive("origin.connect", connect, Duration.ofSeconds(2));
        read = ConfigValues.positive("origin.read", read, Duration.ofSeconds(10));
        total = ConfigValues.positive("origin.total", total, Duration.ofSeconds(30));
        if (total.compareTo(connect) < 0) {
            throw new IllegalArgumentException("origin.total (" + total + ") must be >= origin.connect ("
                    + connect + ")");
        }
        maxRequests = ConfigValues.atLeast("origin.maxRequests", maxRequests, 256, 1);
        maxRequestsPerClient = ConfigValues.atLeast("origin.maxRequestsPerClient", maxRequestsPerClient, 64, 1);
        if (maxRequestsPerClient > maxRequests) {
            throw new IllegalArgumentException("origin.maxRequestsPerClient (" + maxRequestsPerClient
                    + ") must be <= origin.maxRequests (" + maxRequests + ")");
        }
        queueWait = ConfigValues.notNegative("origin.queueWait", queueWait, Duration.ofSeconds(5));
        breaker = ConfigValues.or(breaker, OriginBreaker.DEFAULTS);
        shieldFallback = ConfigValues.or(shieldFallback, ShieldFallback.SHIELD_FAILURE);
        fetchThreads = ConfigValues.atLeast("origin.fetchThreads", fetchThreads, 64, 0);
        fetchOnIoThread = ConfigValues.or(fetchOnIoThread, FETCH_ON_IO_THREAD_DEFAULT);
    }

    public OriginTimeouts withBreaker(OriginBreaker newBreaker) {
        return new OriginTimeouts(connect, read, total, maxRequests, maxRequestsPerClient, queueWait, newBreaker,
                shieldFallback, fetchThreads, fetchOnIoThread);
    }

    public OriginTimeouts withShieldFallback(ShieldFallback newShieldFallback) {
        return new OriginTimeouts(connect, read, total, maxRequests, maxRequestsPerClient, queueWait, breaker,
                newShieldFallback, fetchThreads, fetchOnIoThread);
    }

    public OriginTimeouts withFetchOnIoThread(boolean on) {
        return new OriginTimeouts(connect, read, total, maxRequests, maxRequestsPerClient, queueWait, breaker,
                shieldFallback, fetchThreads, on);
    }
}
