package dev.outpost.edge.origin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Where one client is in a {@link Fill}'s body: the fill's {@link Fill.Reader}. Its position is read by the writer
 * (the window waits for the slowest reader), so it changes only under the fill's lock; spool bytes are read outside
 * the lock, into a buffer of this reader's own. Not thread-safe: one client thread uses it.
 */
final class FillReader implements Fill.Reader {
    private final Fill fill;
    private final FillBytes bytes;
    // guarded by the fill's lock
    private long position;
    /** Bytes before this are written out: the reader asked for more after it was handed them. */
    private long released;
    private boolean closed;
    // this reader's own
    private ByteBuffer fromFile;

    FillReader(Fill fill, FillBytes bytes) {
        this.fill = fill;
        this.bytes = bytes;
    }

    @Override
    public boolean ready() {
        fill.lock.lock();
        try {
            return fill.answersAt(position);
        } finally {
            fill.lock.unlock();
        }
    }

    @Override
    public ByteBuffer next(Duration maxWait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        long fileAt;
        int fileBytes;
        fill.lock.lock();
        try {
            released = position; // the slice the last call handed out is done with
            while (true) {
                fill.throwIfFailed();
                long visible = fill.visible();
                if (position < visible) {
                    ByteBuffer memory = bytes.memoryAt(position, visible);
                    if (memory != null) {
                        position += memory.remaining();
                        fill.changed.signalAll();
                        return memory;
                    }
                    fileAt = bytes.fileOffset(position);
                    fileBytes = (int) Math.min(FillBytes.CHUNK_BYTES, Math.min(visible, bytes.fileEnd()) - position);
                    break;
                }
                if (fill.done()) {
                    return null;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("no body bytes from the origin for " + maxWait.toMillis() + " ms");
                }
                fill.changed.awaitNanos(left);
            }
        } finally {
            fill.lock.unlock();
        }
        if (fromFile == null) {
            fromFile = ByteBuffer.allocateDirect(FillBytes.CHUNK_BYTES);
        }
        fromFile.clear().limit(fileBytes);
        bytes.readFile(fromFile, fileAt);
        fromFile.flip();
        fill.lock.lock();
        try {
            position += fileBytes;
            fill.changed.signalAll();
        } finally {
            fill.lock.unlock();
        }
        return fromFile;
    }

    @Override
    public long position() {
        return position;
    }

    /** Bytes before this are written out (call with the fill's lock held). */
    long released() {
        return released;
    }

    @Override
    public void close() {
        fill.lock.lock();
        try {
            if (!closed) {
                closed = true;
                fill.left(this);
            }
        } finally {
            fill.lock.unlock();
        }
    }
}
