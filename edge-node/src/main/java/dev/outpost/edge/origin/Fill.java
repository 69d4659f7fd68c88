package dev.outpost.edge.origin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.ArrayDeque;
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
 * <p>Design note. One writer (the fetch's filler thread) appends; readers never move backwards. Bytes live in
 * memory while the body may be stored (chunks up to {@code memoryLimit}, copied into one buffer for the store
 * when the body is in; or, when direct memory is short, one buffer of the announced length taken before the first
 * byte), then in a {@link Spool} file, and when the spool is full in a window of memory chunks that
 * are dropped once every reader passed them: then the writer waits for the slowest reader, and no new reader may
 * join. The last byte is held back from readers until the writer declares the body whole and checked
 * ({@link #finish}): a body that turns out short or corrupt is never delivered complete-looking, readers see a
 * failure and abort their response instead. One lock guards the state; file reads happen outside it.
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

    private static final int CHUNK_BYTES = 64 * 1024;

    private enum State { FILLING, DONE, FAILED }

    private record Chunk(long start, ByteBuffer bytes) {
        long end() {
            return start + bytes.position();
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final long memoryLimit;
    private final Spool spool;
    private final long windowBytes;

    // guarded by lock
    private State state = State.FILLING;
    private Throwable failure;
    private long received;
    private final long announced; // the Content-Length of a body that may be kept, or -1
    private ByteBuffer exact; // the whole body, when it was allocated up front
    private final List<Chunk> chunks = new ArrayList<>(); // memory bytes [chunks[0].start, ...) otherwise
    private final ArrayDeque<ByteBuffer> spareChunks = new ArrayDeque<>();
    private int chunksAllocated;
    private FileChannel file; // body bytes [fileStart, fileEnd)
    private long fileStart = -1;
    private long fileEnd;
    private long reserved;
    private long windowStart = -1; // from here on, memory chunks dropped behind the slowest reader
    private long droppedBefore;
    private final List<Reader> readers = new ArrayList<>();
    private boolean everRead;
    private boolean writerDone;

    private Fill(long length, long memoryLimit, Spool spool, long windowBytes, boolean allocateUpFront) {
        this.memoryLimit = memoryLimit;
        this.spool = spool;
        this.windowBytes = windowBytes;
        this.announced = length;
        if (allocateUpFront && length >= 0 && length <= memoryLimit) {
            try {
                exact = ByteBuffer.allocateDirect((int) length);
            } catch (OutOfMemoryError e) {
                exact = null; // direct memory is full of live bodies: this one goes to the spool instead
            }
        }
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
                if (exact == null && received == 0 && chunks.isEmpty() && announced > 0
                        && announced <= Math.min(CHUNK_BYTES, memoryLimit)) {
                    exact = smallBodyBuffer();
                }
                if (exact != null) {
                    if (src.remaining() > exact.remaining()) {
                        throw new IOException("more body than the " + exact.capacity() + " bytes announced");
                    }
                    exact.put(src);
                    received = exact.position();
                } else if (announced >= 0 && received + src.remaining() > announced) {
                    throw new IOException("more body than the " + announced + " bytes announced");
                } else if (!inMemoryWhileItFits(src) && !toSpool(src)) {
                    toWindow(src);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Keeps {@code src} in memory when the body is still kept and fits; false when it must go elsewhere. */
    private boolean inMemoryWhileItFits(ByteBuffer src) {
        return windowStart < 0 && fileStart < 0 && received + src.remaining() <= memoryLimit
                && appendToChunks(src, src.remaining());
    }

    /** Writes {@code src} to the spool file when the spool has room; false when it has none. */
    private boolean toSpool(ByteBuffer src) throws IOException {
        if (windowStart >= 0 || !spoolFits(src.remaining())) {
            return false;
        }
        int n = src.remaining();
        writeToFile(src);
        received += n;
        fileEnd = received;
        return true;
    }

    /** Adds some of {@code src} to the memory window once the slowest reader left room in it. */
    private void toWindow(ByteBuffer src) throws IOException, InterruptedException {
        if (windowStart < 0) {
            windowStart = received;
        }
        awaitWindowRoom();
        int n = (int) Math.min(src.remaining(), windowBytes - unreadWindow());
        if (!appendToChunks(src, n)) {
            throw new IOException("no direct memory left for the body's window");
        }
        dropBehindReaders();
    }

    /** Copies {@code n} bytes of {@code src} into memory chunks; false when no direct memory is left. */
    private boolean appendToChunks(ByteBuffer src, int n) {
        int left = n;
        while (left > 0) {
            Chunk last = chunks.isEmpty() ? null : chunks.get(chunks.size() - 1);
            // a new chunk also when the last one ends before the body does (kept bytes, then the spool's)
            if (last == null || !last.bytes().hasRemaining() || last.end() != received) {
                ByteBuffer spare = spareChunks.poll();
                try {
                    last = new Chunk(received, spare != null ? spare.clear() : newChunkBuffer());
                } catch (OutOfMemoryError e) {
                    return false;
                }
                chunks.add(last);
            }
            int take = Math.min(left, last.bytes().remaining());
            ByteBuffer part = src.slice(src.position(), take);
            last.bytes().put(part);
            src.position(src.position() + take);
            received += take;
            left -= take;
        }
        return true;
    }

    /**
     * A kept body announced at no more than one chunk gets a buffer of its exact size at its first byte, which is
     * then the stored body as it is (no copy at the end). A 64 KiB chunk per 2 KiB miss, dead once copied, filled
     * the direct-memory headroom every ~500 misses, and each time the JVM ran a full collection to free it
     * (java.nio.Bits.reserveMemory calls System.gc()): 193 full GCs of 40-80 ms in one Zipf run at a 10 % cache.
     * Null when direct memory is short (the body goes to chunks, then the spool, as before).
     */
    private ByteBuffer smallBodyBuffer() {
        try {
            return ByteBuffer.allocateDirect((int) announced);
        } catch (OutOfMemoryError e) {
            return null;
        }
    }

    private ByteBuffer newChunkBuffer() {
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
        chunksAllocated++;
        return chunk;
    }

    /** Memory chunks allocated for this body so far (for tests: the window's are reused, not reallocated). */
    int chunksAllocated() {
        lock.lock();
        try {
            return chunksAllocated;
        } finally {
            lock.unlock();
        }
    }

    private boolean spoolFits(int n) throws IOException {
        if (spool == null || !spool.reserve(n)) {
            return false;
        }
        reserved += n;
        if (file == null) {
            file = spool.newFile();
            fileStart = received;
            fileEnd = received;
        }
        return true;
    }

    private void writeToFile(ByteBuffer src) throws IOException {
        long at = received - fileStart;
        while (src.hasRemaining()) {
            at += file.write(src, at);
        }
    }

    private long unreadWindow() {
        return received - Math.max(windowStart, slowestReader());
    }

    private long slowestReader() {
        long min = received;
        for (Reader r : readers) {
            min = Math.min(min, r.position);
        }
        return min;
    }

    private void awaitWindowRoom() throws InterruptedException, IOException {
        while (true) {
            if (readers.isEmpty() && everRead) {
                throw new IOException("every reader of the body left");
            }
            if (unreadWindow() < windowBytes) {
                return;
            }
            changed.await(1, TimeUnit.SECONDS);
        }
    }

    /**
     * In window mode: forgets the chunks every reader has passed and moved on from (no reader joins in window
     * mode), keeping their buffers as spares for the window's next bytes.
     */
    private void dropBehindReaders() {
        long keepFrom = received;
        for (Reader r : readers) {
            keepFrom = Math.min(keepFrom, r.released);
        }
        long releasedUpTo = keepFrom;
        Chunk filling = chunks.isEmpty() ? null : chunks.get(chunks.size() - 1);
        chunks.removeIf(c -> {
            boolean passed = c.end() <= releasedUpTo && c != filling;
            if (passed) {
                droppedBefore = Math.max(droppedBefore, c.end());
                if (spareChunks.size() < windowBytes / CHUNK_BYTES + 2) {
                    spareChunks.push(c.bytes());
                }
            }
            return passed;
        });
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
                if (announced >= 0 && received != announced) {
                    fail(new IOException("expected " + announced + " bytes, got " + received));
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
            return received;
        } finally {
            lock.unlock();
        }
    }

    /** Whether every byte is in memory (none spooled or dropped): the body can be kept. */
    public boolean kept() {
        lock.lock();
        try {
            return fileStart < 0 && windowStart < 0 && droppedBefore == 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * For {@link #keepingAllocated}: whether the announced length found its direct memory (false: none was left,
     * the body cannot be kept).
     */
    public boolean memoryReserved() {
        return exact != null;
    }

    /** Whether the body spilled to the spool file (for tests and metrics). */
    public boolean spooled() {
        lock.lock();
        try {
            return fileStart >= 0;
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
        List<Chunk> kept;
        long length;
        lock.lock();
        try {
            if (state == State.FAILED || !kept() || announced >= 0 && received != announced) {
                throw new IllegalStateException("the body is not complete in memory");
            }
            if (exact != null) {
                return exact.duplicate().position(0).limit((int) received).slice();
            }
            kept = List.copyOf(chunks);
            length = received;
        } finally {
            lock.unlock();
        }
        ByteBuffer whole = ByteBuffer.allocateDirect((int) length);
        for (Chunk c : kept) {
            whole.put(c.bytes().duplicate().flip());
        }
        return whole.flip();
    }

    // ------------------------------------------------------------------ reader side

    /** A reader from the first byte; empty once the start of the body is gone (dropped from the window). */
    public Optional<Reader> reader() {
        lock.lock();
        try {
            if (windowStart >= 0 || droppedBefore > 0 || (writerDone && file == null && fileStart >= 0)) {
                return Optional.empty();
            }
            Reader r = new Reader();
            readers.add(r);
            everRead = true;
            return Optional.of(r);
        } finally {
            lock.unlock();
        }
    }

    /** Where one client is in the body. Not thread-safe: one client thread uses it. */
    public final class Reader implements AutoCloseable {
        private long position;
        /** Bytes before this are written out: the reader asked for more after it was handed them. */
        private long released;
        private ByteBuffer fromFile;
        private boolean closed;

        private Reader() {
        }

        /**
         * Whether {@link #next} would answer at once (bytes to read, the end, or a failure): a relay flushes what it
         * wrote to its client before it waits, so a trickling origin's bytes are not held in the client's buffer.
         */
        public boolean ready() {
            lock.lock();
            try {
                return state != State.FILLING || position < Math.max(0, received - 1);
            } finally {
                lock.unlock();
            }
        }

        /**
         * The next bytes at this reader's position, waiting up to {@code maxWait} for them; {@code null} at the end
         * of a complete body. The buffer is valid until the next call. Throws {@link Failed} when the body broke.
         */
        public ByteBuffer next(Duration maxWait) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + maxWait.toNanos();
            long fileAt;
            int fileBytes;
            lock.lock();
            try {
                released = position; // the slice the last call handed out is done with
                while (true) {
                    if (state == State.FAILED) {
                        throw new Failed("the origin body broke: " + failure.getMessage(), failure);
                    }
                    long visible = state == State.DONE ? received : Math.max(0, received - 1);
                    if (position < visible) {
                        ByteBuffer memory = memoryAt(position, visible);
                        if (memory != null) {
                            position += memory.remaining();
                            changed.signalAll();
                            return memory;
                        }
                        fileAt = position - fileStart;
                        fileBytes = (int) Math.min(CHUNK_BYTES, Math.min(visible, fileEnd) - position);
                        break;
                    }
                    if (state == State.DONE) {
                        return null;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IOException("no body bytes from the origin for " + maxWait.toMillis() + " ms");
                    }
                    changed.awaitNanos(left);
                }
            } finally {
                lock.unlock();
            }
            if (fromFile == null) {
                fromFile = ByteBuffer.allocateDirect(CHUNK_BYTES);
            }
            fromFile.clear().limit(fileBytes);
            while (fromFile.hasRemaining()) {
                if (file.read(fromFile, fileAt + fromFile.position()) < 0) {
                    throw new IOException("the spool file ended early");
                }
            }
            fromFile.flip();
            lock.lock();
            try {
                position += fileBytes;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            return fromFile;
        }

        /** Memory bytes at {@code at} up to {@code visible}, or null when they are in the file. */
        private ByteBuffer memoryAt(long at, long visible) {
            if (exact != null) {
                return exact.duplicate().position((int) at).limit((int) visible).slice().asReadOnlyBuffer();
            }
            if (fileStart >= 0 && at >= fileStart && (windowStart < 0 || at < windowStart)) {
                return null;
            }
            for (Chunk c : chunks) {
                if (at >= c.start() && at < c.end()) {
                    long to = Math.min(c.end(), visible);
                    return c.bytes().duplicate().position((int) (at - c.start())).limit((int) (to - c.start()))
                            .slice().asReadOnlyBuffer();
                }
            }
            throw new IllegalStateException("body bytes at " + at + " are gone");
        }

        public long position() {
            return position;
        }

        @Override
        public void close() {
            lock.lock();
            try {
                if (!closed) {
                    closed = true;
                    readers.remove(this);
                    changed.signalAll();
                    releaseFileIfUnused();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Deletes the spool file once the writer is done and no reader needs it; call with the lock held. */
    private void releaseFileIfUnused() {
        if (writerDone && readers.isEmpty() && file != null) {
            try {
                file.close();
            } catch (IOException e) {
                // DELETE_ON_CLOSE: the file goes either way
            }
            file = null;
            spool.release(reserved);
            reserved = 0;
        }
    }
}
