package dev.outpost.cli.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One direction of a {@link WanRelay} connection: a delay line, not a stop-and-wait pipe. A reader takes bytes off
 * the source socket as they come and stamps each chunk with its release time (read time + delay); a writer sends
 * every chunk to the destination once its time has come. Many chunks are in flight at once, so throughput stays
 * close to loopback's while every byte arrives {@code delay} late.
 *
 * <p>Bounded: at most {@code maxBufferedBytes} wait in the line; beyond that the reader stops reading, the source's
 * socket buffers fill and TCP flow control slows the sender (backpressure). End of stream is delayed like data and
 * then passed on as a half-close ({@code shutdownOutput}), so a request/response over a half-closed socket works.
 */
final class DelayLine {
    static final int CHUNK_BYTES = 64 * 1024;

    /** A chunk of bytes (or the end of the stream, {@code length < 0}) and when it may leave. */
    private record Chunk(byte[] bytes, int length, long releaseNanos) {
        boolean endOfStream() {
            return length < 0;
        }
    }

    private final Socket from;
    private final Socket to;
    private final long delayNanos;
    private final long firstReleaseNanos;
    private final Semaphore room;
    private final int maxBufferedBytes;
    private final LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();

    /**
     * @param firstReleaseNanos no byte leaves before this {@link System#nanoTime()} (the handshake's cost)
     */
    DelayLine(Socket from, Socket to, long delayNanos, long firstReleaseNanos, int maxBufferedBytes) {
        this.from = from;
        this.to = to;
        this.delayNanos = delayNanos;
        this.firstReleaseNanos = firstReleaseNanos;
        this.maxBufferedBytes = maxBufferedBytes;
        this.room = new Semaphore(maxBufferedBytes);
    }

    /** Reads until end of stream; throws when the source breaks (the caller then closes both sockets). */
    void read() throws IOException, InterruptedException {
        InputStream in = from.getInputStream();
        byte[] buffer = new byte[Math.min(CHUNK_BYTES, maxBufferedBytes)];
        while (true) {
            int n = in.read(buffer);
            long release = Math.max(System.nanoTime() + delayNanos, firstReleaseNanos);
            if (n < 0) {
                queue.put(new Chunk(new byte[0], -1, release));
                return;
            }
            room.acquire(n);
            byte[] copy = new byte[n];
            System.arraycopy(buffer, 0, copy, 0, n);
            queue.put(new Chunk(copy, n, release));
        }
    }

    /**
     * Unblocks both sides after the connection was closed: a writer waiting for chunks sees the end, a reader waiting
     * for room gets it (and then fails on its closed socket).
     */
    void abort() {
        queue.offer(new Chunk(new byte[0], -1, 0));
        room.release(maxBufferedBytes);
    }

    /** Writes chunks as they fall due, then half-closes the destination; throws when the destination breaks. */
    void write() throws IOException, InterruptedException {
        OutputStream out = to.getOutputStream();
        while (true) {
            Chunk chunk = queue.take();
            long wait = chunk.releaseNanos() - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            if (chunk.endOfStream()) {
                to.shutdownOutput();
                return;
            }
            out.write(chunk.bytes(), 0, chunk.length());
            room.release(chunk.length());
        }
    }
}
