package dev.outpost.edge.origin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Caps the origin requests an edge has open at once: per origin ({@code limits.maxOriginRequests}), so one edge
 * never takes every connection an origin has, and per client address ({@code limits.maxOriginRequestsPerClient}),
 * so one client's misses cannot take all of the edge's share while others wait. A request beyond a cap waits, in
 * arrival order, up to {@code limits.originQueueWait}; then it is refused (503 {@code origin_busy}, or the stale
 * copy). A slot is held until the response body is read to its end, which happens at the origin's speed (the
 * edge reads into memory or its spool, see {@link Fill}), never at a client's.
 */
public final class OriginSlots {
    /** Why no slot was had. */
    public static final class Busy extends Exception {
        Busy(String message) {
            super(message, null, false, false);
        }
    }

    /** The client address of requests the edge makes for itself (prefetches, background refreshes). */
    public static final String EDGE_ITSELF = "(edge)";

    private final int perOrigin;
    private final int perClient;
    private final Duration maxWait;
    private final Map<URI, Semaphore> origins = new ConcurrentHashMap<>();
    /** Bounded: a flood of client addresses cannot grow it without limit. */
    private final Cache<String, Semaphore> clients;
    private final LongAdder refused = new LongAdder();

    public OriginSlots(int perOrigin, int perClient, Duration maxWait) {
        if (perOrigin < 1 || perClient < 1) {
            throw new IllegalArgumentException("origin request caps must be >= 1, were " + perOrigin + " per origin, "
                    + perClient + " per client");
        }
        this.perOrigin = perOrigin;
        this.perClient = perClient;
        this.maxWait = maxWait;
        // maintenance on the calling thread: with the default executor every miss's lookup woke a common-pool
        // thread to drain Caffeine's buffers (a context switch on a one-core edge)
        this.clients = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(10))
                .executor(Runnable::run).build();
    }

    /** One origin request's place; close it when the response body is done. */
    public static final class Slot implements AutoCloseable {
        private final Semaphore origin;
        private final Semaphore client;
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Slot(Semaphore origin, Semaphore client) {
            this.origin = origin;
            this.client = client;
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                origin.release();
                client.release();
            }
        }
    }

    /** A slot for a request from {@code client} to {@code origin}, waiting up to the configured time. */
    public Slot acquire(URI origin, String client) throws Busy, InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        Semaphore byClient = clients.get(client, c -> new Semaphore(perClient, true));
        if (!byClient.tryAcquire(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
            refused.increment();
            throw new Busy("client " + client + " already has " + perClient + " origin requests open");
        }
        Semaphore byOrigin = origins.computeIfAbsent(origin, o -> new Semaphore(perOrigin, true));
        if (!byOrigin.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            byClient.release();
            refused.increment();
            throw new Busy("origin " + origin + " already has " + perOrigin + " requests open from this edge");
        }
        return new Slot(byOrigin, byClient);
    }

    /**
     * A slot at once, or none: when a cap is full, or others already wait for a place (the semaphores are fair,
     * and a zero wait honours that). Never waits: for the IO thread, which then leaves the request to a thread that
     * may wait ({@link #acquire}).
     */
    public Optional<Slot> tryAcquire(URI origin, String client) {
        Semaphore byClient = clients.get(client, c -> new Semaphore(perClient, true));
        try {
            if (!byClient.tryAcquire(0, TimeUnit.NANOSECONDS)) {
                return Optional.empty();
            }
            Semaphore byOrigin = origins.computeIfAbsent(origin, o -> new Semaphore(perOrigin, true));
            if (!byOrigin.tryAcquire(0, TimeUnit.NANOSECONDS)) {
                byClient.release();
                return Optional.empty();
            }
            return Optional.of(new Slot(byOrigin, byClient));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Requests refused for want of a slot, since start. */
    public long refused() {
        return refused.sum();
    }

    /** Origin requests open now, over all origins. */
    public int open() {
        int used = 0;
        for (Semaphore s : origins.values()) {
            used += perOrigin - s.availablePermits();
        }
        return used;
    }
}
