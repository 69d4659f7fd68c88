package dev.outpost.common.http;

import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.io.InputStream;

/**
 * What an upload endpoint does with the unread rest of a body it refused (413, 401, a digest mismatch): it reads
 * and discards up to {@link #LINGER_BYTES} of it before answering, then closes the connection if the body was
 * longer. Closing a socket whose receive buffer still holds data sends a TCP reset, which can reach the client
 * before it has read the answer: a client one byte over the limit would see "connection reset" instead of its 413.
 * nginx and Apache call this a lingering close; the bound keeps it from becoming a free sink for anyone's bytes.
 */
public final class RefusedBodies {
    /** How much of a refused body is still read, to let its sender finish and read the answer. */
    public static final long LINGER_BYTES = 4L * 1024 * 1024;

    private RefusedBodies() {
    }

    /**
     * The max entity size for a listener whose uploads go up to {@code maxUploadBytes}: the handler's own count
     * refuses the upload, and Undertow's limit only stops the lingering read after it.
     */
    public static long listenerLimit(long maxUploadBytes) {
        return maxUploadBytes > Long.MAX_VALUE - LINGER_BYTES ? Long.MAX_VALUE : maxUploadBytes + LINGER_BYTES;
    }

    /**
     * Reads the rest of a refused request body, unless it is known to be longer than {@link #LINGER_BYTES} or
     * than {@code maxBodyBytes}; leaves the connection persistent only when the body was read to its end. Call on a
     * blocking exchange, before the refusal is answered.
     *
     * <p>A body declared larger than the endpoint takes is refused before a byte of it is read, and answered at
     * once: a client that sent {@code Expect: 100-continue} (curl does for large bodies) waits for that answer and
     * never sends the body; waiting for it here would hold both sides until a timeout.
     */
    public static void linger(HttpServerExchange exchange, long maxBodyBytes) {
        if (exchange.isRequestComplete() || !exchange.isBlocking()) {
            return;
        }
        long declared = exchange.getRequestContentLength();
        if (declared < 0 || declared <= Math.min(LINGER_BYTES, maxBodyBytes)) {
            try {
                InputStream in = exchange.getInputStream();
                byte[] scratch = new byte[16 * 1024];
                long read = 0;
                for (int n; read <= LINGER_BYTES && (n = in.read(scratch)) >= 0; ) {
                    read += n;
                }
            } catch (IOException | RuntimeException e) {
                // The client went away, or Undertow's own limit stopped the read: close below.
            }
        }
        if (!exchange.isRequestComplete()) {
            exchange.setPersistent(false);
        }
    }
}
