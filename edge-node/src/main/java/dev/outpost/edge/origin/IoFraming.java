package dev.outpost.edge.origin;

import io.undertow.client.ClientConnection;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.xnio.ChannelListener;
import org.xnio.StreamConnection;
import org.xnio.conduits.ConduitStreamSourceChannel;
import org.xnio.conduits.StreamSourceConduit;

/**
 * The IO thread's client's {@link FramingCheck}: once an answer's body was read to the end its framing gives
 * (Content-Length, last chunk), whatever the connection holds already beyond it (in the client's push-back
 * buffer, or in the kernel) was sent unasked; Undertow's client would take it for the next answer. Read here,
 * right after the body's end, it marks the answer as overran (delivered, not stored), and the caller closes the
 * connection. Bytes that come while the connection idles in the pool are found when it is taken again, before
 * anything is sent on it ({@link #cameUnasked}); an idle connection is not watched meanwhile ({@link #unwatched}).
 *
 * <p>Also what the IO thread needs of Undertow's client that it keeps to its own package: its connection's stream
 * ({@code HttpClientConnection.getConnection()}), reading past an interim answer ({@link #readNextHead}), and
 * the close it does at the end of a {@code Connection: close} answer ({@link #takeOverClose}).
 * Reached by reflection, looked up once: an Undertow that changed them fails the class's first use loudly.
 */
final class IoFraming {
    private static final MethodHandle STREAM;
    private static final Field PENDING_RESPONSE;
    private static final Field PUSH_BACK;
    private static final Field READ_LISTENER;
    private static final Constructor<?> NEW_RESPONSE;
    private static final Field STATE;
    /** The bit of {@code HttpClientConnection.state} that makes it close the connection at the answer's end. */
    private static final int CLOSE_REQUESTED;
    /** At most this much excess is read to count it; the connection is closed either way. */
    private static final int MAX_COUNTED = 64 * 1024;

    static {
        try {
            Class<?> connection = Class.forName("io.undertow.client.http.HttpClientConnection");
            Method m = connection.getDeclaredMethod("getConnection");
            m.setAccessible(true);
            STREAM = MethodHandles.lookup().unreflect(m);
            PENDING_RESPONSE = accessible(connection.getDeclaredField("pendingResponse"));
            PUSH_BACK = accessible(connection.getDeclaredField("pushBackStreamSourceConduit"));
            READ_LISTENER = accessible(connection.getDeclaredField("clientReadListener"));
            NEW_RESPONSE = Class.forName("io.undertow.client.http.HttpResponseBuilder").getDeclaredConstructor();
            NEW_RESPONSE.setAccessible(true);
            STATE = accessible(connection.getDeclaredField("state"));
            CLOSE_REQUESTED = accessible(connection.getDeclaredField("CLOSE_REQ")).getInt(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private IoFraming() {
    }

    private static Field accessible(Field f) {
        f.setAccessible(true);
        return f;
    }

    /**
     * After an interim answer (1xx) Undertow's client took for the answer (it skips only 100 itself): makes it
     * parse the next head for the same request, as it does after a 100. The interim answer's empty body is never
     * read, so the request is not finished; the head parser reads on from where it stopped (its push-back buffer,
     * then the socket) and hands the next head to the same response listener. Call it from that listener.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void readNextHead(ClientConnection c) {
        try {
            PENDING_RESPONSE.set(c, NEW_RESPONSE.newInstance());
            ConduitStreamSourceChannel source = stream(c).getSourceChannel();
            source.setConduit((StreamSourceConduit) PUSH_BACK.get(c)); // off the interim answer's empty body
            source.setReadListener((ChannelListener) READ_LISTENER.get(c));
            source.wakeupReads(); // the next head may be in the push-back buffer already: no socket event would come
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Undertow's client cannot be made to read past an interim answer", e);
        }
    }

    /**
     * Whether Undertow's client was to close {@code c} once the answer whose head it just parsed ends (the origin
     * said {@code Connection: close}); if so, it no longer will: its close at the body's end would throw away what
     * the origin sent beyond the body before {@link #beyondBody} could see it. The caller closes the connection
     * itself after that check. Call it from the response listener, for an answer with framing (Content-Length or
     * chunked), on the connection's IO thread.
     */
    static boolean takeOverClose(ClientConnection c) {
        try {
            int state = STATE.getInt(c);
            if ((state & CLOSE_REQUESTED) == 0) {
                return false;
            }
            STATE.setInt(c, state & ~CLOSE_REQUESTED);
            return true;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Undertow's client connection's state cannot be read", e);
        }
    }

    private static StreamConnection stream(ClientConnection c) {
        try {
            return (StreamConnection) STREAM.invoke(c);
        } catch (Throwable e) {
            throw new IllegalStateException("Undertow's client connection has no stream to check", e);
        }
    }

    /** Stops reading an idle connection as its bytes come (Undertow's client resumes that when an answer ends). */
    static void unwatched(ClientConnection c) {
        stream(c).getSourceChannel().suspendReads();
    }

    /**
     * Whether an idle connection holds anything nobody asked for (in the client's push-back buffer or the kernel),
     * or was ended by the origin; read without waiting (what it reads is lost: the caller closes it then). Call it
     * on the connection's IO thread, with no request pending on it.
     */
    static boolean cameUnasked(ClientConnection c) {
        try {
            return stream(c).getSourceChannel().read(ByteBuffer.allocate(1)) != 0;
        } catch (IOException | IllegalStateException broken) {
            return true;
        }
    }

    /**
     * What the origin sent beyond an answer whose body was just read to its end on {@code c}, when it sent
     * anything; read without waiting. Call it on the thread that read the body's end, before the connection is
     * used again.
     */
    static Optional<String> beyondBody(ClientConnection c, long bodyBytes) {
        StreamConnection stream = stream(c);
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
