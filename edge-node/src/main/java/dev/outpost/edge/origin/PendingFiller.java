package dev.outpost.edge.origin;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A body's filler that the fetch did not start: a client's miss with a small body leaves it to its leader, whose
 * thread reads the body itself before it answers (no hand-off to a filler thread, the head and the body in one
 * write when the body came with the head). Whoever takes the outcome starts it exactly once, on its own thread
 * ({@link #runHere}) or on a thread of its own ({@link #startElsewhere}); followers read the {@link Fill} either
 * way. A filler that was started at once is {@link #STARTED}.
 */
public final class PendingFiller {
    /** The filler of a fetch that started it at once: nothing is left to start. */
    public static final PendingFiller STARTED = new PendingFiller(slow -> { }, Runnable::run, true);

    private final Consumer<Runnable> fill;
    private final Executor elsewhere;
    private final AtomicBoolean started;

    /**
     * @param fill      runs the filler on the calling thread; it calls its argument once, after the first bytes it
     *                  read, when the body is not whole yet
     * @param elsewhere where the filler runs when it is not run here
     */
    PendingFiller(Consumer<Runnable> fill, Executor elsewhere) {
        this(fill, elsewhere, false);
    }

    private PendingFiller(Consumer<Runnable> fill, Executor elsewhere, boolean started) {
        this.fill = fill;
        this.elsewhere = elsewhere;
        this.started = new AtomicBoolean(started);
    }

    /** Whether the filler still waits to be started. */
    public boolean pending() {
        return !started.get();
    }

    /**
     * Runs the filler on this thread, to the body's end; {@code bodyStillComing} runs (on this thread, at least once)
     * when the first bytes read did not complete the body, or before a read would wait for the origin. False when
     * it was started already.
     */
    public boolean runHere(Runnable bodyStillComing) {
        if (!started.compareAndSet(false, true)) {
            return false;
        }
        BlockingReadHook.around(bodyStillComing, () -> fill.accept(bodyStillComing));
        return true;
    }

    /** Starts the filler on a thread of its own, unless it was started already. */
    public void startElsewhere() {
        if (started.compareAndSet(false, true)) {
            elsewhere.execute(() -> fill.accept(() -> { }));
        }
    }
}
