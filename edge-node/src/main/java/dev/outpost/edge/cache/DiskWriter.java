package dev.outpost.edge.cache;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@link DiskTier}'s writes: one writer thread per tier, fed through the {@link DiskQueue} (bounded by the bytes of
 * the bodies waiting, which lookups find meanwhile). A write is staged in {@code tmp/}, checked by the store's
 * {@link DiskTier.Guard} against the purges since its ticket, renamed into {@code objects/} and only then indexed;
 * its queue entry leaves after that, so lookups never fall in a gap between the two.
 */
final class DiskWriter implements AutoCloseable {
    private static final Logger LOG = System.getLogger(DiskTier.class.getName());

    /**
     * Room a write asks for beyond its body: its head and metadata (a few hundred bytes for most objects; response
     * heads are bounded by the listener's header limits).
     */
    private static final long HEAD_ALLOWANCE = 64 * 1024;
    /** At most one warning per this many nanoseconds about failed writes (a full device fails every write). */
    private static final long WARNING_INTERVAL_NANOS = 60_000_000_000L;

    private final DiskDirectory files;
    private final DiskIndex index;
    private final DiskSpace space;
    private final DiskQueue queued;
    private final long maxObjectBytes;
    private final ExecutorService writer;
    private final AtomicLong stamps;
    private final LongAdder rejections = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder writeFailures = new LongAdder();

    /** Failures since the last warning, and when it was written (writer thread only). */
    private long unreportedFailures;
    private long lastWarningNanos;
    private boolean warned;

    /** @param lastStamp the stamp the first write comes after (every file found at start has a lower one) */
    DiskWriter(DiskDirectory files, DiskIndex index, DiskSpace space, DiskQueue queued, long maxObjectBytes,
            long lastStamp) {
        this.files = files;
        this.index = index;
        this.space = space;
        this.queued = queued;
        this.maxObjectBytes = maxObjectBytes;
        this.stamps = new AtomicLong(lastStamp);
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "disk-writer " + files.root().getFileName());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Queues {@code object} to be written; declined (and counted) when it is partial, too large, or the writer is
     * too far behind. {@code ticket} is the store's purge-fence ticket taken when the object was current.
     */
    void offer(CachedObject object, long ticket, DiskTier.Guard guard) {
        int length = object.length();
        if (object.isPartial() || length > maxObjectBytes) {
            rejections.increment();
            return;
        }
        DiskQueue.Queued q = queued.add(object, ticket, guard);
        if (q == null) {
            rejections.increment(); // the writer is too far behind
            return;
        }
        try {
            writer.execute(() -> {
                try {
                    DiskQueue.Queued now = queued.current(object);
                    if (now == q) {
                        write(object, ticket, guard);
                    } else if (now == null) {
                        rejections.increment(); // purged while it waited
                    } // else a newer copy of the variant was queued behind it: that one is written
                } finally {
                    queued.finished(q); // after the index holds the published file: lookups find one or the other
                }
            });
        } catch (RejectedExecutionException closed) {
            queued.finished(q);
        }
    }

    private void write(CachedObject object, long ticket, DiskTier.Guard guard) {
        long needed = object.length() + HEAD_ALLOWANCE;
        fitToSpace();
        DiskDirectory.Staged staged;
        try {
            staged = stage(object, needed);
        } catch (IOException | RuntimeException e) {
            writeFailed(object, e);
            return;
        }
        try {
            boolean published = guard.admit(object, ticket, invalidated -> {
                files.publish(staged, invalidated && !object.invalidated());
                index.add(invalidated ? object.markedStale() : object, staged.target(), staged.bytes(), false);
            });
            if (published) {
                writes.increment();
            } else {
                DiskDirectory.discard(staged.file());
                rejections.increment();
            }
        } catch (RuntimeException e) {
            DiskDirectory.discard(staged.file());
            writeFailed(object, e);
        }
    }

    /** Bounds the index by what the file system can hold now ({@link DiskSpace}); evicts when that shrank. */
    void fitToSpace() {
        index.bound(space.bound(index.bytes()));
    }

    /** Stages {@code object}; a device found full makes room by evicting what the write needs, then tries once more. */
    private DiskDirectory.Staged stage(CachedObject object, long needed) throws IOException {
        try {
            return files.stage(object, stamps.incrementAndGet());
        } catch (IOException e) {
            if (!space.isFull(e, needed)) {
                throw e;
            }
            index.bound(space.afterFull(index.bytes(), needed));
            return files.stage(object, stamps.incrementAndGet());
        }
    }

    /** Counts a failed write; warns at most once a minute (a failing device fails every write), with the count. */
    private void writeFailed(CachedObject object, Exception e) {
        writeFailures.increment();
        unreportedFailures++;
        long now = System.nanoTime();
        if (warned && now - lastWarningNanos < WARNING_INTERVAL_NANOS) {
            return;
        }
        LOG.log(Level.WARNING, "disk tier: could not write " + object.key() + ": " + e
                + (unreportedFailures > 1 ? " (" + unreportedFailures + " writes failed since the last warning;"
                        + " their objects stay in memory only)" : " (it stays in memory only)"));
        warned = true;
        lastWarningNanos = now;
        unreportedFailures = 0;
    }

    /** Waits until every write queued so far is done. */
    void drain() {
        try {
            writer.submit(() -> { }).get(5, TimeUnit.MINUTES); // at most maxQueuedBytes queued
        } catch (Exception e) {
            throw new IllegalStateException("disk writer did not drain: " + e, e);
        }
    }

    /** Writes declined (too large, partial, writer behind, purged while queued). */
    long rejections() {
        return rejections.sum();
    }

    long writes() {
        return writes.sum();
    }

    long writeFailures() {
        return writeFailures.sum();
    }

    /** Finishes the queued writes (fenced as usual) and stops the thread. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            writer.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
