package dev.outpost.edge.origin;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import okhttp3.ConnectionPool;
import okhttp3.internal.concurrent.TaskRunner;
import okhttp3.internal.connection.ConnectionListener;

/**
 * Runs the origin connection pool's housekeeping (closing connections idle past their keep-alive, or beyond the
 * idle limit) on its own clock instead of on every response.
 *
 * <p>Why: OkHttp's pool reschedules its closer task to "now" each time a response hands its connection back
 * ({@code RealConnectionPool.connectionBecameIdle → scheduleCloser}), which takes the task runner's monitor,
 * notifies its coordinator thread and has that thread scan every pooled connection, once per origin response. A
 * JFR profile of the benchmark's Zipf run put about a third of the edge's CPU there (bench/analysis.md). OkHttp 5
 * has no public setting for it; its pool takes a {@link TaskRunner} through a constructor that Kotlin marks
 * {@code internal} (public in the bytecode, so callable from Java; the version is pinned in the root pom). This
 * backend is that runner's only seam: it never wakes the coordinator early ({@link #coordinatorNotify} does
 * nothing), and the coordinator waits at most {@code tick} at a time, so the closer runs at most once per tick
 * however many responses come back. The price: an idle connection may be closed up to one tick later than its
 * keep-alive says, and an idle connection beyond the limit lingers up to one tick.
 */
final class PoolHousekeeping implements TaskRunner.Backend, AutoCloseable {
    private final long tickNanos;
    private final ExecutorService threads;
    private final AtomicLong waits = new AtomicLong();

    PoolHousekeeping(Duration tick) {
        if (tick.isNegative() || tick.isZero()) {
            throw new IllegalArgumentException("tick must be positive: " + tick);
        }
        this.tickNanos = tick.toNanos();
        // As OkHttp's own backend: threads on demand (the coordinator is one, a task running beside it another),
        // gone after a minute idle; daemon, so a pool never keeps the JVM up.
        this.threads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                Thread.ofPlatform().daemon(true).name("outpost-origin-pool-housekeeping-", 0).factory());
    }

    /** A pool of at most {@code maxIdle} idle connections kept {@code keepAlive}, housekept by this backend. */
    ConnectionPool pool(int maxIdle, Duration keepAlive) {
        TaskRunner runner = new TaskRunner(this, Logger.getLogger(TaskRunner.class.getName()));
        return new ConnectionPool(maxIdle, keepAlive.toNanos(), TimeUnit.NANOSECONDS, runner,
                ConnectionListener.Companion.getNONE());
    }

    /** How many times the coordinator went to sleep (it sleeps at most a tick; a test reads this). */
    long waits() {
        return waits.get();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    /** Deliberately nothing: a task scheduled earlier than the coordinator's wake-up waits for the next tick. */
    @Override
    public void coordinatorNotify(TaskRunner taskRunner) {
    }

    /**
     * Called with the runner's monitor held (as OkHttp's own backend, which waits on it too). An interrupt (from
     * {@link #close}) goes back to the runner as OkHttp's backend lets it: the runner catches it and cancels its
     * tasks. Kotlin declares no checked exceptions, so it is rethrown unchecked; swallowing it would spin.
     */
    @Override
    public void coordinatorWait(TaskRunner taskRunner, long nanos) {
        long wait = Math.min(nanos, tickNanos);
        if (wait > 0) {
            waits.incrementAndGet();
            try {
                TimeUnit.NANOSECONDS.timedWait(taskRunner, wait);
            } catch (InterruptedException e) {
                throw PoolHousekeeping.<RuntimeException>asUnchecked(e);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E asUnchecked(Throwable e) throws E {
        throw (E) e;
    }

    @Override
    public <T> BlockingQueue<T> decorate(BlockingQueue<T> queue) {
        return queue;
    }

    @Override
    public void execute(TaskRunner taskRunner, Runnable runnable) {
        threads.execute(runnable);
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
