package dev.outpost.edge.origin;

import java.io.IOException;
import java.net.Socket;
import java.util.Locale;
import java.util.Optional;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.Protocol;
import okhttp3.Response;

/**
 * One origin request's check that its answer ended where its framing says (see {@link RawFraming}): when the
 * origin sent bytes beyond the body, the connection is closed before it goes back to the pool, so those bytes can
 * never be read as the answer to a later request, and the answer itself is reported (delivered, not stored). Bytes that
 * arrive later, while the connection is idle in the pool, are caught when the next request's first byte is about
 * to be written ({@link OriginSocket}): that connection is closed, and the client sends the request again on another
 * one (nothing of it reached the origin).
 *
 * <p>What this cannot catch: bytes the origin sends only after that first byte left. HTTP/1.1 answers carry no
 * request id, so they are indistinguishable from the answer to that request (every HTTP/1.1 client and proxy shares
 * this). An origin that writes its excess right after its body is caught unless it stalls between the two writes
 * for as long as the edge takes to reuse the connection; one that means to send a wrong answer can do so anyway.
 *
 * <p>Exact for plain-HTTP answers: Content-Length, chunked, or no body (HEAD, 1xx, 204, 304); a close-delimited
 * answer ends its connection anyway. An answer over TLS with HTTP/1.1 is checked for bytes already waiting in the
 * kernel only: below the client's buffer its bytes are encrypted. An HTTP/2 connection frames every stream.
 */
final class FramingCheck extends EventListener {
    private volatile Connection connection;
    private volatile long announced = -1;
    private volatile boolean chunked;
    private volatile String overran;

    @Override
    public void connectionAcquired(Call call, Connection connection) {
        this.connection = connection;
    }

    @Override
    public void requestHeadersStart(Call call) {
        OriginSocket socket = plainSocket();
        if (socket != null) { // its first write checks that the origin spoke nothing unasked since its last answer
            socket.requestStarting();
        }
    }

    @Override
    public void responseHeadersEnd(Call call, Response response) {
        announced = announcedBody(call.request().method(), response);
        String coding = response.header("Transfer-Encoding");
        chunked = announced < 0 && coding != null && coding.toLowerCase(Locale.ROOT).contains("chunked");
    }

    @Override
    public void responseBodyEnd(Call call, long bodyBytes) {
        Connection c = connection;
        if (c == null || c.protocol() == Protocol.HTTP_2 || c.protocol() == Protocol.H2_PRIOR_KNOWLEDGE) {
            return;
        }
        Socket socket = c.socket();
        long excess = available(socket); // bytes after the answer, still in the kernel: over TLS too
        boolean known = true;
        if (socket instanceof OriginSocket plain && c.handshake() == null) {
            RawFraming framing = plain.framing();
            long length = announced;
            long beyond = length >= 0 ? (framing.headSeen() ? framing.beyond(bodyBytes) : -1)
                    : chunked ? framing.beyondChunked() : 0;
            known = beyond >= 0;
            excess += Math.max(beyond, 0);
        }
        if (excess > 0) {
            overran = "the origin sent " + excess + " bytes after its " + bodyBytes + "-byte body";
        }
        if (excess > 0 || !known) { // bytes that would be read as the next answer, or a framing not followed
            closeQuietly(socket);
        } else if (socket instanceof OriginSocket plain && c.handshake() == null) {
            plain.framing().answerEnded(); // whatever comes from here on was not asked for
        }
    }

    /** What the origin sent beyond this answer, when it did (then the answer is not stored). */
    Optional<String> overran() {
        return Optional.ofNullable(overran);
    }

    /** The body length the head announces: 0 for answers without one, -1 when it is not known (chunked, close). */
    static long announcedBody(String method, Response response) {
        int status = response.code();
        if (method.equals("HEAD") || status < 200 || status == 204 || status == 304) {
            return 0;
        }
        if (response.header("Transfer-Encoding") != null) {
            return -1;
        }
        String length = response.header("Content-Length");
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length.strip().toLowerCase(Locale.ROOT));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private OriginSocket plainSocket() {
        Connection c = connection;
        return c != null && c.handshake() == null && c.protocol() != Protocol.H2_PRIOR_KNOWLEDGE
                && c.socket() instanceof OriginSocket h ? h : null;
    }

    private static int available(Socket socket) {
        try {
            return socket.isClosed() ? 0 : socket.getInputStream().available();
        } catch (IOException e) {
            return 0;
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all that was wanted
        }
    }
}
