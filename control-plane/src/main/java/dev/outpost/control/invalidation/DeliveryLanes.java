package dev.outpost.control.invalidation;

import dev.outpost.control.DeliverySettings;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The threads the dispatcher delivers on, and nothing of what they deliver: one lane (a single virtual thread) per
 * edge, so that an edge's pushes run one at a time in the order they were handed over while the lanes of different
 * edges run side by side; and one timer for every edge's retry rounds, with a backoff per edge that doubles from
 * {@code delivery.retryInitial} up to {@code delivery.retryMax} per round scheduled and starts again from the bottom
 * once a push goes through. What a lane runs and when a round is due are {@link OrderedDelivery}'s.
 */
final class DeliveryLanes implements AutoCloseable {
    private final DeliverySettings settings;
    private final ConcurrentMap<String, ExecutorService> lanes = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Backoff> retries = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("dispatch-retry-timer").factory());
    private volatile boolean closed;

    /** The wait before an edge's next retry round: doubles per round scheduled, reset by a push that went through. */
    static final class Backoff {
        private final long initialMillis;
        private long nextMillis;
        private boolean scheduled;

        private Backoff(long initialMillis) {
            this.initialMillis = initialMillis;
            this.nextMillis = initialMillis;
        }

        /** A push of the round went through: the next round, if one is needed, waits the shortest time again. */
        synchronized void reset() {
            nextMillis = initialMillis;
        }
    }

    DeliveryLanes(DeliverySettings settings) {
        this.settings = settings;
    }

    /** Whether {@link #close} was called: no work starts any more, and work cut short by it is expected. */
    boolean closed() {
        return closed;
    }

    /**
     * Runs {@code work} on the edge's lane, after what the lane was given before.
     *
     * @throws RejectedExecutionException once closed
     */
    void execute(String nodeId, Runnable work) {
        lanes.computeIfAbsent(nodeId,
                id -> Executors.newSingleThreadExecutor(Thread.ofVirtual().name("dispatch-" + id).factory()))
                .execute(work);
    }

    /**
     * Schedules the edge's next retry round after its backoff, which doubles; once only: a round already scheduled
     * stands, and {@code round} is then dropped.
     */
    void scheduleRetry(String nodeId, Runnable round) {
        if (closed) {
            return;
        }
        Backoff backoff = retries.computeIfAbsent(nodeId, id -> new Backoff(settings.retryInitial().toMillis()));
        long delay;
        synchronized (backoff) {
            if (backoff.scheduled) {
                return;
            }
            backoff.scheduled = true;
            delay = backoff.nextMillis;
            backoff.nextMillis = Math.min(settings.retryMax().toMillis(), backoff.nextMillis * 2);
        }
        try {
            timer.schedule(round, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /**
     * A scheduled round of the edge's begins: the next one may be scheduled from now on. Empty when its retries
     * ended meanwhile or the lanes are closing: nothing is to be done.
     */
    Optional<Backoff> beginRound(String nodeId) {
        Backoff backoff = retries.get(nodeId);
        if (backoff == null || closed) {
            return Optional.empty();
        }
        synchronized (backoff) {
            backoff.scheduled = false;
        }
        return Optional.of(backoff);
    }

    /** The edge needs no more retries (it has everything, or is gone): the next one starts from the bottom. */
    void endRetries(String nodeId) {
        retries.remove(nodeId);
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        lanes.values().forEach(ExecutorService::shutdownNow);
        // One deadline for all lanes, not 5 s each: with many edges stuck, per-lane waits would add up.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ExecutorService lane : lanes.values()) {
            try {
                lane.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
