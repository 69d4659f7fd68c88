package dev.outpost.edge.origin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the bytes of a {@link Fill} are: memory chunks while the body may be kept (or one buffer of its announced
 * size), then a {@link Spool} file, and when the spool is full a window of memory chunks that are dropped once every
 * reader passed them and moved on. The fill decides when bytes may be added and read; this class knows only where
 * they go and where a position is found. Not thread-safe: the fill's lock guards every call but {@link #readFile},
 * which a reader makes outside the lock on spool bytes the writer no longer changes.
 */
final class FillBytes {
    static final int CHUNK_BYTES = 64 * 1024;

    record Chunk(long start, ByteBuffer bytes) {
        long end() {
            return start + bytes.position();
        }
    }

    private final long memoryLimit;
    private final Spool spool;
    private final long windowBytes;
    private final long announced; // the Content-Length of a body that may be kept, or -1

    private long received;
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

    FillBytes(long announced, long memoryLimit, Spool spool, long windowBytes, boolean allocateUpFront) {
        this.memoryLimit = memoryLimit;
        this.spool = spool;
        this.windowBytes = windowBytes;
        this.announced = announced;
        if (allocateUpFront && announced >= 0 && announced <= memoryLimit) {
            try {
                exact = ByteBuffer.allocateDirect((int) announced);
            } catch (OutOfMemoryError e) {
                exact = null; // direct memory is full of live bodies: this one goes to the spool instead
            }
        }
    }

    // ------------------------------------------------------------------ writing (the fill's writer)

    /**
     * Takes all of {@code src}: into the buffer of the announced size, into memory chunks while the body is still
     * kept and fits, or into the spool file while it has room; false (nothing taken) when only the window is left.
     */
    boolean take(ByteBuffer src) throws IOException {
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
            return true;
        }
        if (announced >= 0 && received + src.remaining() > announced) {
            throw new IOException("more body than the " + announced + " bytes announced");
        }
        return inMemoryWhileItFits(src) || toSpool(src);
    }

    /** Keeps {@code src} in memory when the body is still kept and fits; false when it must go elsewhere. */
    private boolean inMemoryWhileItFits(ByteBuffer src) {
        return windowStart < 0 && fileStart < 0 && received + src.remaining() <= memoryLimit
                && appendToChunks(src, src.remaining());
    }

    /**
     * Writes {@code src} to the spool file when the spool has room; false when it has none. A file system that
     * refuses the file or a write (found full: the spool's budget is its own, the file system's space is shared;
     * remounted read-only; an I/O error; no file descriptor left) counts as no room: what was written stays, the rest
     * of {@code src} and of the body go through the window, as when the budget is spent.
     */
    private boolean toSpool(ByteBuffer src) {
        if (windowStart >= 0 || !spoolFits(src.remaining())) {
            return false;
        }
        int start = src.position();
        try {
            writeToFile(src);
        } catch (IOException e) {
            spool.writeFailed(e);
            received += src.position() - start;
            fileEnd = received;
            return false;
        }
        received += src.position() - start;
        fileEnd = received;
        return true;
    }

    /** From here on the bytes go to the window (once: later calls change nothing). */
    void startWindow() {
        if (windowStart < 0) {
            windowStart = received;
        }
    }

    /** Bytes the window can take before the slowest reader (at {@code slowestReader}) moves on. */
    long windowRoom(long slowestReader) {
        return windowBytes - (received - Math.max(windowStart, slowestReader));
    }

    /** Adds {@code n} bytes of {@code src} to the window (the caller waited for the room). */
    void toWindow(ByteBuffer src, int n) throws IOException {
        if (!appendToChunks(src, n)) {
            throw new IOException("no direct memory left for the body's window");
        }
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

    private boolean spoolFits(int n) {
        if (spool == null || !spool.reserve(n)) {
            return false;
        }
        reserved += n;
        if (file == null) {
            try {
                file = spool.newFile();
            } catch (IOException e) {
                spool.release(n);
                reserved -= n;
                spool.writeFailed(e);
                return false;
            }
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

    /**
     * In window mode: forgets the chunks every reader has passed and moved on from (before {@code releasedUpTo}; no
     * reader joins in window mode), keeping their buffers as spares for the window's next bytes.
     */
    void dropBefore(long releasedUpTo) {
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

    /** Closes (and so deletes) the spool file, if there is one, and gives its room back to the spool. */
    void releaseFile() {
        if (file != null) {
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

    // ------------------------------------------------------------------ state

    long received() {
        return received;
    }

    long announced() {
        return announced;
    }

    /** Whether every byte is in memory (none spooled or dropped). */
    boolean allInMemory() {
        return fileStart < 0 && windowStart < 0 && droppedBefore == 0;
    }

    /** Whether the body spilled to the spool file. */
    boolean spooled() {
        return fileStart >= 0;
    }

    /** Whether the buffer of the announced size was taken (read without the lock, as the fill's caller does). */
    boolean hasExact() {
        return exact != null;
    }

    int chunksAllocated() {
        return chunksAllocated;
    }

    /** Whether a new reader could no longer get the first byte: dropped from the window, or the spool deleted. */
    boolean startGone(boolean writerDone) {
        return windowStart >= 0 || droppedBefore > 0 || (writerDone && file == null && fileStart >= 0);
    }

    /** The body in the buffer allocated up front, or null when it is in chunks ({@link #keptChunks}). */
    ByteBuffer exactBody() {
        return exact == null ? null : exact.duplicate().position(0).limit((int) received).slice();
    }

    List<Chunk> keptChunks() {
        return List.copyOf(chunks);
    }

    /** The {@code kept} chunks copied into one direct buffer of {@code length} bytes. */
    static ByteBuffer joined(List<Chunk> kept, long length) {
        ByteBuffer whole = ByteBuffer.allocateDirect((int) length);
        for (Chunk c : kept) {
            whole.put(c.bytes().duplicate().flip());
        }
        return whole.flip();
    }

    // ------------------------------------------------------------------ reading

    /** Memory bytes at {@code at} up to {@code visible}, or null when they are in the file. */
    ByteBuffer memoryAt(long at, long visible) {
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

    /** Where body byte {@code at} (one {@link #memoryAt} left to the file) is in the spool file. */
    long fileOffset(long at) {
        return at - fileStart;
    }

    /** Body bytes in the spool file end here. */
    long fileEnd() {
        return fileEnd;
    }

    /** Fills {@code dst} from the spool file at {@code fileAt}; without the lock (the bytes are written already). */
    void readFile(ByteBuffer dst, long fileAt) throws IOException {
        while (dst.hasRemaining()) {
            if (file.read(dst, fileAt + dst.position()) < 0) {
                throw new IOException("the spool file ended early");
            }
        }
    }
}
