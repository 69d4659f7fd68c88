package dev.outpost.common.lifecycle;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a node started, stopped in reverse order: every node (edge, origin, control plane, {@code outpost local})
 * registers each part here as soon as it runs, so a start-up that fails half-way stops exactly what it started
 * ({@link #closeAfter}), and close stops the listeners before what they use. Every part is closed even when an earlier
 * one fails; the first failure is thrown with the others suppressed on it. Closing twice closes nothing twice.
 */
public final class Closer implements AutoCloseable {
    private final String what;
    private final Deque<Part> parts = new ArrayDeque<>();

    private record Part(String name, AutoCloseable closeable) {
    }

    /** @param what the node, for failure messages ("edge eu-1") */
    public Closer(String what) {
        this.what = what;
    }

    /** Registers a started part; it is closed before everything registered earlier. Returns it. */
    public synchronized <T extends AutoCloseable> T add(T part) {
        parts.push(new Part(part.getClass().getSimpleName(), part));
        return part;
    }

    /** Registers a started part under a name for failure messages ("admin listener"). */
    public synchronized void add(String name, AutoCloseable part) {
        parts.push(new Part(name, part));
    }

    /**
     * For a start-up that failed with {@code failure}: closes what started, adds any failure of that onto it, and
     * returns it for the caller to throw.
     */
    public <E extends Throwable> E closeAfter(E failure) {
        try {
            close();
        } catch (RuntimeException closing) {
            failure.addSuppressed(closing);
        }
        return failure;
    }

    /** Closes every part, last registered first. */
    @Override
    public void close() {
        RuntimeException failure = null;
        while (true) {
            Part part;
            synchronized (this) {
                part = parts.poll();
            }
            if (part == null) {
                break;
            }
            try {
                part.closeable().close();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                if (failure == null) {
                    failure = new IllegalStateException("stopping " + what + " failed: " + part.name(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
