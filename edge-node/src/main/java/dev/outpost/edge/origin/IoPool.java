package dev.outpost.edge.origin;

import io.undertow.client.ClientConnection;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;

/**
 * The idle keep-alive origin connections of one IO thread ({@link IoOrigin}), by origin, held to the blocking
 * client's pool rules: at most {@link #MAX_IDLE_PER_ORIGIN} per origin (the blocking pool keeps 64 in all), each
 * closed once idle {@link OriginClient#POOL_KEEP_ALIVE} (a sweep on the thread's own timer, every
 * {@link #SWEEP}, as {@link PoolHousekeeping}'s tick: a connection may linger up to one sweep longer). Touched only by
 * its IO thread. When the edge closes, its listeners' XNIO worker closes every channel of its IO threads as it
 * stops, these connections with them (IoMissPoolIT checks that none is left open).
 */
final class IoPool {
    static final int MAX_IDLE_PER_ORIGIN = 64;
    static final Duration SWEEP = Duration.ofSeconds(1);

    private static final ThreadLocal<IoPool> OF_THREAD = new ThreadLocal<>();
    private record Idle(ClientConnection connection, long sinceNanos) {
    }

    private final XnioIoThread io;
    private final long keepAliveNanos;
    private final Map<URI, ArrayDeque<Idle>> idle = new HashMap<>();
    /** The next sweep, while any connection idles here; null otherwise. */
    private XnioExecutor.Key sweep;

    IoPool(XnioIoThread io, Duration keepAlive) {
        this.io = io;
        this.keepAliveNanos = keepAlive.toNanos();
    }

    /** The calling IO thread's pool. */
    static IoPool of(XnioIoThread io) {
        IoPool pool = OF_THREAD.get();
        if (pool == null) {
            pool = new IoPool(io, OriginClient.POOL_KEEP_ALIVE);
            OF_THREAD.set(pool);
        }
        return pool;
    }

    /** The most recently idled connection to {@code origin} that is {@code usable} (the others are dropped). */
    ClientConnection take(URI origin, Predicate<ClientConnection> usable) {
        ArrayDeque<Idle> connections = idle.get(origin);
        for (Idle i; connections != null && (i = connections.pollLast()) != null; ) {
            if (usable.test(i.connection())) {
                return i.connection();
            }
        }
        return null;
    }

    /** Keeps {@code c} for the next request to {@code origin}, or closes it when the origin has its fill. */
    void give(URI origin, ClientConnection c, long nowNanos) {
        ArrayDeque<Idle> connections = idle.computeIfAbsent(origin, o -> new ArrayDeque<>());
        if (connections.size() >= MAX_IDLE_PER_ORIGIN) {
            IoUtils.safeClose(c);
            return;
        }
        connections.addLast(new Idle(c, nowNanos));
        if (sweep == null) {
            sweep = io.executeAfter(this::sweep, SWEEP.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void sweep() {
        sweep = null;
        evictIdleSince(System.nanoTime());
        if (idle() > 0) {
            sweep = io.executeAfter(this::sweep, SWEEP.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Closes the connections idle keep-alive or longer at {@code nowNanos} (and any that closed); how many. */
    int evictIdleSince(long nowNanos) {
        int evicted = 0;
        for (Iterator<ArrayDeque<Idle>> origins = idle.values().iterator(); origins.hasNext(); ) {
            ArrayDeque<Idle> connections = origins.next();
            // oldest first: the deque is in the order they went idle
            for (Idle i; (i = connections.peekFirst()) != null
                    && (nowNanos - i.sinceNanos() >= keepAliveNanos || !i.connection().isOpen()); ) {
                connections.pollFirst();
                IoUtils.safeClose(i.connection());
                evicted++;
            }
            if (connections.isEmpty()) {
                origins.remove();
            }
        }
        return evicted;
    }

    /** Connections idle here now. */
    int idle() {
        return idle.values().stream().mapToInt(ArrayDeque::size).sum();
    }
}
