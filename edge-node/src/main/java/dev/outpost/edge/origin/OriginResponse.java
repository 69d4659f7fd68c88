package dev.outpost.edge.origin;

import dev.outpost.edge.cache.Fields;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Optional;
import okhttp3.Response;

/**
 * An origin's response with its body still to be read; close it when done. Either OkHttp's (the blocking client),
 * or one the IO thread's client ({@link IoOrigin}) received: a head with its whole body already read into memory,
 * or a head whose body is still on its connection, read through a blocking stream over the channel. For those
 * {@code response} is null.
 */
public final class OriginResponse implements Closeable {
    private final Response response;
    /** The status and body of a response the IO thread's client received (when {@code response} is null). */
    private final int ioStatus;
    private final InputStream ioBody;
    /** Whether {@code ioBody} is whole in memory (read without ever waiting). */
    private final boolean ioBodyInMemory;
    /** For a body whole in memory: what the origin sent beyond it ({@link IoFraming}). */
    private final Optional<String> ioOverran;
    private final Fields headers;
    private final Instant requestTime;
    private final Instant responseTime;
    /** This request's place under the edge's origin caps, given back on close. */
    private final OriginSlots.Slot slot;

    OriginResponse(Response response, Instant requestTime, Instant responseTime, OriginSlots.Slot slot) {
        this.response = response;
        this.slot = slot;
        this.ioStatus = 0;
        this.ioBody = null;
        this.ioBodyInMemory = false;
        this.ioOverran = Optional.empty();
        Fields.Builder b = Fields.builder();
        response.headers().forEach(pair -> b.add(pair.getFirst(), asReceivedBytes(pair.getSecond())));
        this.headers = b.build();
        this.requestTime = requestTime;
        this.responseTime = responseTime;
    }

    /**
     * A value as one char per byte the origin sent, as Undertow reads and writes fields (ISO-8859-1): OkHttp decodes
     * a head as UTF-8, so a value with obs-text (RFC 9110 §5.5: {@code filename="café.pdf"} in UTF-8) would reach
     * the client as other bytes, and an ETag would never match the client's {@code If-None-Match}. Encoding it back
     * gives the bytes exactly when they were UTF-8; bytes that were not (OkHttp made them U+FFFD) are lost already.
     */
    static String asReceivedBytes(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) >= 0x80) {
                return new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            }
        }
        return value;
    }

    private OriginResponse(int status, Fields headers, InputStream body, boolean inMemory,
            Optional<String> overran, OriginSlots.Slot slot, Instant requestTime, Instant responseTime) {
        this.ioOverran = overran;
        this.response = null;
        this.slot = slot;
        this.ioStatus = status;
        this.ioBody = body;
        this.ioBodyInMemory = inMemory;
        this.headers = headers;
        this.requestTime = requestTime;
        this.responseTime = responseTime;
    }

    /** An HTTP/1.x answer whose whole body (as its framing delimited it) was read already. */
    static OriginResponse buffered(int status, Fields headers, byte[] body, Optional<String> overran,
            OriginSlots.Slot slot, Instant requestTime, Instant responseTime) {
        return new OriginResponse(status, headers, new ByteArrayInputStream(body), true, overran, slot, requestTime,
                responseTime);
    }

    /**
     * An HTTP/1.x answer whose body is still arriving: {@code body} reads it (blocking, with the origin's
     * timeouts) and, closed, gives its connection back or closes it. Read it on a thread that may block.
     */
    static OriginResponse streaming(int status, Fields headers, IoChannelBody body, OriginSlots.Slot slot,
            Instant requestTime, Instant responseTime) {
        return new OriginResponse(status, headers, body, false, Optional.empty(), slot, requestTime, responseTime);
    }

    /** Whether the body is whole in memory already: reading it never waits, on any thread. */
    public boolean bodyInMemory() {
        return response == null && ioBodyInMemory;
    }

    /**
     * origin.fetchOnIoThread, a body still arriving: the bytes of it the IO thread read with the head, which its
     * {@link #body} gives first (a read-only view of its own); empty for any other answer.
     */
    public ByteBuffer receivedWithHead() {
        return response == null && ioBody instanceof IoChannelBody streamed ? streamed.receivedWithHead()
                : ByteBuffer.allocate(0);
    }

    /**
     * Whether the body's end is marked by its framing (Content-Length, chunked, or an HTTP/2 stream end), so a body
     * cut short is an error rather than a complete-looking shorter one. Close-delimited bodies are not.
     */
    public boolean framed() {
        if (contentLength() >= 0 || response != null && response.protocol() != okhttp3.Protocol.HTTP_1_1
                && response.protocol() != okhttp3.Protocol.HTTP_1_0) {
            return true;
        }
        for (String coding : headers.all("transfer-encoding")) {
            if (coding.toLowerCase(java.util.Locale.ROOT).contains("chunked")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the body is read from the connection's socket by the reading thread itself (HTTP/1.x), not handed
     * over by a connection reader thread (HTTP/2): only then does a read about to wait show at the socket
     * ({@link BlockingReadHook}).
     */
    boolean readFromSocket() {
        if (response == null) {
            // a body in memory is read without waiting, by its leader's thread; one still on the IO thread's
            // connection is read by a filler thread, so the head goes out at once (no hook tells before it waits)
            return ioBodyInMemory;
        }
        return response.protocol() == okhttp3.Protocol.HTTP_1_1 || response.protocol() == okhttp3.Protocol.HTTP_1_0;
    }

    /**
     * When the origin sent bytes beyond this answer's framing, what it sent ({@link FramingCheck}): known once the
     * body was read to its end; the connection is closed already, and such an answer is not stored.
     */
    public Optional<String> overran() {
        if (response == null) {
            return ioBody instanceof IoChannelBody streamed ? streamed.overran() : ioOverran;
        }
        FramingCheck check = response.request().tag(FramingCheck.class);
        return check == null ? Optional.empty() : check.overran();
    }

    public int status() {
        return response == null ? ioStatus : response.code();
    }

    public Fields headers() {
        return headers;
    }

    /** Declared body length, -1 when unknown (chunked or close-delimited). */
    public long contentLength() {
        if (response == null) {
            if (ioStatus == 204 || ioStatus == 304) {
                return 0; // no body whatever the head says (RFC 9112 §6.3), as OkHttp reads them
            }
            return headers.first("content-length").map(OriginResponse::parseContentLength).orElse(-1L);
        }
        return response.body().contentLength();
    }

    /**
     * A {@code Content-Length} value's length: 1-18 ASCII digits (no sign, no list), optional whitespace around;
     * -1 for anything else. Checked by hand, not with a regular expression: it runs on every miss.
     */
    public static long parseContentLength(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
            end--;
        }
        if (end == start || end - start > 18) {
            return -1;
        }
        long length = 0;
        for (int i = start; i < end; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            length = length * 10 + (c - '0');
        }
        return length;
    }

    public InputStream body() {
        return response == null ? ioBody : response.body().byteStream();
    }

    public Instant requestTime() {
        return requestTime;
    }

    public Instant responseTime() {
        return responseTime;
    }

    @Override
    public void close() {
        try {
            closeBody();
        } finally {
            if (slot != null) {
                slot.close();
            }
        }
    }

    private void closeBody() {
        try {
            if (response != null) {
                response.close();
            } else {
                ioBody.close(); // a body still on its connection: the connection is given back or closed
            }
        } catch (IOException closing) {
            // nothing is left to do with this answer; its connection is closed
        }
    }
}
