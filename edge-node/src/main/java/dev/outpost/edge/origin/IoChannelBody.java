package dev.outpost.edge.origin;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.xnio.channels.StreamSourceChannel;

/**
 * The rest of a body the IO thread's client ({@link IoOrigin}) began to receive, read as a blocking stream by a
 * thread that may wait (a filler): first the bytes the IO thread read already, then the response channel, waiting
 * for it with {@code awaitReadable} (the IO thread no longer listens to it). The origin's timeouts hold as on the
 * blocking client's: at most {@code read} between two bytes, and the answer's {@code total} deadline. A
 * {@code Content-Length} body that ends early is an error, as OkHttp's is. Closed, it gives its connection back
 * ({@code ended}, on its IO thread) when the body was read to its end, and closes it otherwise: the rest of an
 * unread answer would be taken for the next one.
 */
final class IoChannelBody extends InputStream {
    private final ByteBuffer already;
    private final ByteBuffer receivedWithHead;
    private final IOException brokenAfterThem;
    private final StreamSourceChannel channel;
    private final long contentLength;
    private final long readTimeoutNanos;
    private final long deadlineNanos;
    private final Function<Long, Optional<String>> beyondBody;
    private final Runnable ended;
    private final Runnable abandoned;
    private long received;
    private boolean atEnd;
    private boolean closed;
    private Optional<String> overran = Optional.empty();

    /**
     * @param already         body bytes the IO thread read before it handed the answer over
     * @param brokenAfterThem what the IO thread's last read threw, to be thrown once {@code already} is read; or
     *                        null
     * @param contentLength   the announced length, -1 when the framing is chunked or the connection's close
     * @param deadlineNanos   the {@link System#nanoTime} by which the whole answer must be in
     * @param beyondBody      what the origin sent beyond the body, asked once its end was read ({@link IoFraming})
     * @param ended           gives the connection back, from any thread (the body was read to its end)
     * @param abandoned       closes the connection, from any thread
     */
    IoChannelBody(ByteBuffer already, IOException brokenAfterThem, StreamSourceChannel channel, long contentLength,
            Duration read, long deadlineNanos, Function<Long, Optional<String>> beyondBody, Runnable ended,
            Runnable abandoned) {
        this.beyondBody = beyondBody;
        this.already = already;
        this.receivedWithHead = already.asReadOnlyBuffer(); // before this stream reads any of them
        this.brokenAfterThem = brokenAfterThem;
        this.channel = channel;
        this.contentLength = contentLength;
        this.readTimeoutNanos = read.toNanos();
        this.deadlineNanos = deadlineNanos;
        this.ended = ended;
        this.abandoned = abandoned;
        this.received = already.remaining();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("origin body closed");
        }
        if (length == 0) {
            return 0;
        }
        if (already.hasRemaining()) {
            int n = Math.min(length, already.remaining());
            already.get(into, offset, n);
            return n;
        }
        if (brokenAfterThem != null) {
            throw brokenAfterThem;
        }
        if (atEnd) {
            return -1;
        }
        ByteBuffer buffer = ByteBuffer.wrap(into, offset, length);
        long lastByte = System.nanoTime();
        while (true) {
            int n = channel.read(buffer);
            if (n > 0) {
                received += n;
                return n;
            }
            if (n < 0) {
                if (contentLength >= 0 && received < contentLength) {
                    throw new IOException("the origin closed the connection after " + received + " of "
                            + contentLength + " body bytes");
                }
                atEnd = true;
                overran = beyondBody.apply(received);
                return -1;
            }
            long now = System.nanoTime();
            if (now - deadlineNanos >= 0) {
                throw new InterruptedIOException("timeout: the origin's answer took longer than origin.total");
            }
            if (now - lastByte >= readTimeoutNanos) {
                throw new SocketTimeoutException("timeout: no body byte from the origin for origin.read ("
                        + Duration.ofNanos(readTimeoutNanos) + ")");
            }
            channel.awaitReadable(Math.min(readTimeoutNanos - (now - lastByte), deadlineNanos - now),
                    TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The body bytes the IO thread read before it handed the answer over, the first this stream gives (a view of
     * its own, whatever this stream read of them).
     */
    ByteBuffer receivedWithHead() {
        return receivedWithHead.duplicate();
    }

    /**
     * What the origin sent beyond the body, once it was read to its end: whatever had reached the edge by then
     * (the IO thread's selector is kept off the connection meanwhile, {@link IoRawSource#holdSelectorOff}).
     */
    Optional<String> overran() {
        return overran;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (atEnd && overran.isEmpty()) {
            ended.run();
        } else {
            abandoned.run();
        }
    }
}
