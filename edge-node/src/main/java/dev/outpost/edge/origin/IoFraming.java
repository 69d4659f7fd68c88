package dev.outpost.edge.origin;

import io.undertow.client.ClientConnection;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.xnio.StreamConnection;

/**
 * The IO thread's client's {@link FramingCheck}: once an answer's body was read to the end its framing gives
 * (Content-Length, last chunk), whatever the connection holds already beyond it (in the client's push-back
 * buffer, or in the kernel) was sent unasked; Undertow's client would take it for the next answer. Read here,
 * right after the body's end, it marks the answer as overran (delivered, not stored), and the caller closes the
 * connection. Bytes that come while the connection idles in the pool are Undertow's client's to see: with no
 * request pending it closes a connection that sends anything.
 *
 * <p>Undertow's client does not expose its connection's stream, only to its own package
 * ({@code HttpClientConnection.getConnection()}): it is reached by reflection, once.
 */
final class IoFraming {
    private static final MethodHandle STREAM;
    /** At most this much excess is read to count it; the connection is closed either way. */
    private static final int MAX_COUNTED = 64 * 1024;

    static {
        try {
            Method m = Class.forName("io.undertow.client.http.HttpClientConnection")
                    .getDeclaredMethod("getConnection");
            m.setAccessible(true);
            STREAM = MethodHandles.lookup().unreflect(m);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private IoFraming() {
    }

    /**
     * What the origin sent beyond an answer whose body was just read to its end on {@code c}, when it sent
     * anything; read without waiting. Call it on the thread that read the body's end, before the connection is
     * used again.
     */
    static Optional<String> beyondBody(ClientConnection c, long bodyBytes) {
        StreamConnection stream;
        try {
            stream = (StreamConnection) STREAM.invoke(c);
        } catch (Throwable e) {
            throw new IllegalStateException("Undertow's client connection has no stream to check", e);
        }
        ByteBuffer excess = ByteBuffer.allocate(4096);
        long counted = 0;
        try {
            for (int n; counted < MAX_COUNTED && (n = stream.getSourceChannel().read(excess)) > 0; excess.clear()) {
                counted += n;
            }
        } catch (IOException closed) {
            // a connection that failed after the body holds nothing more that could be taken for an answer
        }
        return counted == 0 ? Optional.empty()
                : Optional.of("the origin sent " + counted + " bytes after its " + bodyBytes + "-byte body");
    }
}
