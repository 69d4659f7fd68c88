package dev.outpost.edge.origin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An origin body as it arrives, read by any number of clients at their own pace while it fills (read-while-writer,
 * as Varnish and ATS stream a miss): the first byte reaches the leader and every collapsed follower as soon as the
 * origin sends it, and the origin is read at its own speed whatever the clients do.
 *
 * <p>Design note. One writer (the fetch's filler thread) appends; readers ({@link FillReader}) never move backwards.
 * Bytes live ({@link FillBytes}) in memory while the body may be stored (chunks up to {@code memoryLimit}, copied
 * into one buffer for the store when the body is in; or, when direct memory is short, one buffer of the announced
 * length taken before the first byte), then in a {@link Spool} file, and when the spool is full in a window of
 * memory chunks that are dropped once every reader passed them: then the writer waits for the slowest reader, and
 * no new reader may join. The last byte is held back from readers until the writer declares the
 * body whole and checked ({@link #finish}): a body that turns out short or corrupt is never delivered
 * complete-looking, readers see a failure and abort their response instead. One lock guards the state, the bytes'
 * bookkeeping and the readers' positions; file reads happen outside it.
 *
 * <p>Window chunks are recycled: a chunk every reader has passed <em>and</em> moved on from (it asked for its next
 * bytes, so the slice it was handed is written out) goes back to a few spare buffers, so a body of any length
 * allocates its window once instead of leaving a trail of direct buffers for the garbage collector (a 1 GiB body
 * would otherwise hold hundreds of MiB of dead direct memory until a GC, and fail once -XX:MaxDirectMemorySize
 * is reached).
 */
public final class Fill {
    /** What a reader meets when the body failed; its client response must be aborted. */
    public static final class Failed extends IOException {
        Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Where one client is in the body ({@link FillReader}). Not thread-safe: one client thread uses it. */
    public sealed interface Reader extends AutoCloseable permits FillReader {
        /**
         * Whether {@link #next} would answer at once (bytes to read, the end, or a failure): a relay flushes what it
         * wrote to its client before it waits, so a trickling origin's bytes are not held in the client's buffer.
         */
        boolean ready();

        /**
         * The next bytes at this reader's position, waiting up to {@code maxWait} for them; {@code null} at the end
         * of a complete body. The buffer is valid until the next call. Throws {@link Failed} when the body broke.
         */
        ByteBuffer next(Duration maxWait) throws IOException, InterruptedException;

        long position();

        @Override
        void close();
    }

    private enum State { FILLING, DONE, FAILED }

    /** Shared with the readers: they wait on {@link #changed} and move their positions under it. */
    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();

    // guarded by lock
    private final FillBytes bytes;
    private State state = State.FILLING;
    private Throwable failure;
    private final List<FillReader> readers = new ArrayList<>();
    private boolean everRead;
    private boolean writerDone;

    private Fill(long length, long memoryLimit, Spool spool, long windowBytes, boolean allocateUpFront) {
        this.bytes = new FillBytes(length, memoryLimit, spool, windowBytes, allocateUpFront);
    }

    /**
     * A body that may be kept whole in memory up to {@code memoryLimit} bytes ({@code length} = the announced
     * Content-Length, or -1), and spooled beyond; kept in chunks as it arrives and copied into one buffer of its
     * exact size at the end ({@link #wholeBody}). Nothing is allocated before the first byte: zeroing a 16 MiB
     * direct buffer took 200-600 ms on a loaded 2-core host, and would all come before the head went out.
     */
    public static Fill keeping(long length, long memoryLimit, Spool spool, long windowBytes) {
        return new Fill(length, memoryLimit, spool, windowBytes, false);
    }

    /**
     * A body that may be kept, whose buffer of the announced {@code length} is taken now, before the first byte:
     * when direct memory is short, the allocation makes the JVM collect dead bodies, and
     * {@link #memoryReserved} says whether it found room (else the body cannot be kept).
     */
    public static Fill keepingAllocated(long length, long memoryLimit, Spool spool, long windowBytes) {
        return new Fill(length, memoryLimit, spool, windowBytes, true);
    }

    /** A body that is never kept: spooled from the first byte. */
    public static Fill passing(Spool spool, long windowBytes) {
        return new Fill(-1, 0, spool, windowBytes, false);
    }

    // ------------------------------------------------------------------ writer side (one thread)

    /** Appends the bytes of {@code src}; waits while the window is full. */
    public void append(ByteBuffer src) throws IOException, InterruptedException {
        while (src.hasRemaining()) {
            lock.lock();
            try {
                if (state != State.FILLING) {
                    throw new IOException("the body is already " + state.name().toLowerCase());
                }
                if (!bytes.take(src)) {
                    toWindow(src);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Adds some of {@code src} to the memory window once the slowest reader left room in it. */
    private void toWindow(ByteBuffer src) throws IOException, InterruptedException {
        bytes.startWindow();
        awaitWindowRoom();
        bytes.toWindow(src, (int) Math.min(src.remaining(), bytes.windowRoom(slowestReader())));
        bytes.dropBefore(releasedByEveryReader());
    }

    /** Memory chunks allocated for this body so far (for tests: the window's are reused, not reallocated). */
    int chunksAllocated() {
        lock.lock();
        try {
            return bytes.chunksAllocated();
        } finally {
            lock.unlock();
        }
    }

    private long slowestReader() {
        long min = bytes.received();
        for (FillReader r : readers) {
            min = Math.min(min, r.position());
        }
        return min;
    }

    /** Where the bytes every reader has passed and moved on from end (no reader joins in window mode). */
    private long releasedByEveryReader() {
        long keepFrom = bytes.received();
        for (FillReader r : readers) {
            keepFrom = Math.min(keepFrom, r.released());
        }
        return keepFrom;
    }

    private void awaitWindowRoom() throws InterruptedException, IOException {
        while (true) {
            if (readers.isEmpty() && everRead) {
                throw new IOException("every reader of the body left");
            }
            if (bytes.windowRoom(slowestReader()) > 0) {
                return;
            }
            changed.await(1, TimeUnit.SECONDS);
        }
    }

    /**
     * The writer is done: the body is complete and agrees with its headers (no {@code problem}), or it is not (a
     * reader then fails instead of getting the held-back last byte).
     */
    public void finish(Optional<String> problem) {
        lock.lock();
        try {
            if (state == State.FILLING) {
                if (problem.isPresent()) {
                    fail(new IOException(problem.get()));
                    return;
                }
                if (bytes.announced() >= 0 && bytes.received() != bytes.announced()) {
                    fail(new IOException("expected " + bytes.announced() + " bytes, got " + bytes.received()));
                    return;
                }
                state = State.DONE;
            }
            writerDone = true;
            changed.signalAll();
            releaseFileIfUnused();
        } finally {
            lock.unlock();
        }
    }

    /** The body broke (origin gone, timeout, too short, corrupt): readers fail. */
    public void fail(Throwable cause) {
        lock.lock();
        try {
            if (state == State.FILLING) {
                state = State.FAILED;
                failure = cause;
            }
            writerDone = true;
            changed.signalAll();
            releaseFileIfUnused();
        } finally {
            lock.unlock();
        }
    }

    /** Whether nobody reads it any more (every reader that came left): a body nobody keeps need not be read on. */
    public boolean abandoned() {
        lock.lock();
        try {
            return everRead && readers.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ state

    /** Bytes received so far. */
    public long received() {
        lock.lock();
        try {
            return bytes.received();
        } finally {
            lock.unlock();
        }
    }

    /** Whether every byte is in memory (none spooled or dropped): the body can be kept. */
    public boolean kept() {
        lock.lock();
        try {
            return bytes.allInMemory();
        } finally {
            lock.unlock();
        }
    }

    /**
     * For {@link #keepingAllocated}: whether the announced length found its direct memory (false: none was left,
     * the body cannot be kept).
     */
    public boolean memoryReserved() {
        return bytes.hasExact();
    }

    /** Whether the body spilled to the spool file (for tests and metrics). */
    public boolean spooled() {
        lock.lock();
        try {
            return bytes.spooled();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The whole body in one direct buffer, once every byte is in and kept: the writer asks before {@link #finish}
     * (the body is stored before readers get its last byte). The buffer allocated up front itself, or the chunks
     * copied into one of the exact size, outside the lock (readers go on meanwhile; only the writer changes the
     * chunks). Throws {@link OutOfMemoryError} when no direct memory is left for the copy.
     */
    public ByteBuffer wholeBody() {
        List<FillBytes.Chunk> kept;
        long length;
        lock.lock();
        try {
            if (state == State.FAILED || !bytes.allInMemory()
                    || bytes.announced() >= 0 && bytes.received() != bytes.announced()) {
                throw new IllegalStateException("the body is not complete in memory");
            }
            ByteBuffer exact = bytes.exactBody();
            if (exact != null) {
                return exact;
            }
            kept = bytes.keptChunks();
            length = bytes.received();
        } finally {
            lock.unlock();
        }
        return FillBytes.joined(kept, length);
    }

    // ------------------------------------------------------------------ reader side

    /** A reader from the first byte; empty once the start of the body is gone (dropped from the window). */
    public Optional<Reader> reader() {
        lock.lock();
        try {
            if (bytes.startGone(writerDone)) {
                return Optional.empty();
            }
            FillReader r = new FillReader(this, bytes);
            readers.add(r);
            everRead = true;
            return Optional.of(r);
        } finally {
            lock.unlock();
        }
    }

    // The readers' view of the state; call with the lock held.

    /** Whether a reader at {@code position} would be answered at once: bytes to read, the end, or a failure. */
    boolean answersAt(long position) {
        return state != State.FILLING || position < Math.max(0, bytes.received() - 1);
    }

    /** Throws {@link Failed} when the body broke. */
    void throwIfFailed() throws Failed {
        if (state == State.FAILED) {
            throw new Failed("the origin body broke: " + failure.getMessage(), failure);
        }
    }

    /** Bytes a reader may have: all once the body is whole and checked, else all but the last. */
    long visible() {
        return state == State.DONE ? bytes.received() : Math.max(0, bytes.received() - 1);
    }

    /** Whether the body is whole and checked. */
    boolean done() {
        return state == State.DONE;
    }

    /** {@code reader} left (closed once). */
    void left(FillReader reader) {
        readers.remove(reader);
        changed.signalAll();
        releaseFileIfUnused();
    }

    /** Deletes the spool file once the writer is done and no reader needs it; call with the lock held. */
    private void releaseFileIfUnused() {
        if (writerDone && readers.isEmpty()) {
            bytes.releaseFile();
        }
    }
}
