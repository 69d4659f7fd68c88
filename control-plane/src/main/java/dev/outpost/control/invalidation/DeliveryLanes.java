package dev.outpost.control.invalidation;

import dev.outpost.control.DeliverySettings;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The threads the dispatcher delivers on, and nothing of what they deliver: one lane per edge, so that an edge's
 * pushes run one at a time in the order they were handed over while the lanes of different edges run side by side;
 * and one timer for every edge's retry rounds, with a backoff per edge that doubles from {@code delivery.retryInitial}
 * up to {@code delivery.retryMax} per round scheduled and starts again from the bottom once a push goes through. What
 * a lane runs and when a round is due are {@link OrderedDelivery}'s.
 *
 * <p>A lane exists only while it has work: its virtual thread starts with the first work handed to an idle lane and
 * ends, taking the lane out of the map, once it ran everything. So an edge that left (removed, removed through
 * another control plane, fenced for good, or back under a new id after a restart) leaves no lane, thread or queue
 * behind, whichever way it went, and one that comes back under the same id gets a new lane. Nothing durable is in a
 * lane: what each edge still has to apply is the log's (its deliveries), read again by the next push or retry round.
 */
final class DeliveryLanes implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Dispatcher.class.getName());

    private final DeliverySettings settings;
    /** The lanes with work queued or running, by edge id. */
    private final ConcurrentMap<String, Lane> lanes = new ConcurrentHashMap<>();
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

    /**
     * One edge's work, run in the order handed over on one virtual thread at a time. The thread runs while there is
     * work; the last one out takes the lane out of the map (under the lane's lock, so work handed over meanwhile
     * either runs on this lane or finds it gone and makes a new one: never two lanes of one edge at once).
     */
    private final class Lane implements Runnable {
        private final String nodeId;
        private final ArrayDeque<Runnable> work = new ArrayDeque<>(); // guarded by this
        private Thread runner; // guarded by this; null while no thread runs the lane
        private boolean gone; // guarded by this; out of the map, takes no more work

        Lane(String nodeId) {
            this.nodeId = nodeId;
        }

        /** Queues {@code task}, starting the lane's thread if none runs; false if the lane is gone (make another). */
        synchronized boolean offer(Runnable task) {
            if (gone) {
                return false;
            }
            if (closed) {
                throw new RejectedExecutionException("the dispatcher is closed");
            }
            work.add(task);
            if (runner == null) {
                runner = Thread.ofVirtual().name("dispatch-" + nodeId).start(this);
            }
            return true;
        }

        /** The next work to run; null once there is none (or the lanes closed), the lane then gone. */
        private synchronized Runnable next() {
            Runnable task = closed ? null : work.poll();
            if (task == null) {
                retire();
            }
            return task;
        }

        /** Out of the map, no thread: work handed over from now on makes a new lane. */
        private void retire() {
            work.clear();
            runner = null;
            gone = true;
            lanes.remove(nodeId, this);
        }

        @Override
        public void run() {
            boolean ranOut = false;
            try {
                for (Runnable task = next(); task != null; task = next()) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        // what a lane runs handles its own failures (OrderedDelivery.onLane): one that did not must
                        // not stop the edge's later work
                        LOG.log(Level.WARNING, "delivery work for " + nodeId + " failed", e);
                    }
                }
                ranOut = true;
            } finally {
                if (!ranOut) {
                    restartAfterError();
                }
            }
        }

        /** An Error ended the lane's thread mid-work: the work queued behind it gets a thread of its own. */
        private synchronized void restartAfterError() {
            if (work.isEmpty() || closed) {
                retire();
            } else {
                runner = Thread.ofVirtual().name("dispatch-" + nodeId).start(this);
            }
        }

        /** Closing: drops the queued work and interrupts what runs (a call to the edge in flight). */
        synchronized Thread stop() {
            work.clear();
            if (runner != null) {
                runner.interrupt();
            }
            return runner;
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
        if (closed) {
            throw new RejectedExecutionException("the dispatcher is closed");
        }
        while (!lanes.computeIfAbsent(nodeId, Lane::new).offer(work)) {
            // the lane ran out of work and went just now: the next turn makes a new one
        }
    }

    /** How many edges have a lane now (work queued or running); the rest hold no thread and no queue. */
    int lanes() {
        return lanes.size();
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
        List<Thread> running = lanes.values().stream().map(Lane::stop).filter(t -> t != null).toList();
        // One deadline for all lanes, not 5 s each: with many edges stuck, per-lane waits would add up.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Thread lane : running) {
            try {
                lane.join(java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
