package dev.outpost.edge.origin;

import dev.outpost.edge.cache.Fields;
import java.io.Closeable;
import java.io.InputStream;
import java.time.Instant;
import java.util.Optional;
import okhttp3.Response;

/**
 * An origin's response with its body still to be read; close it when done. Either OkHttp's (the blocking client),
 * or a head and a whole body already read into memory (the prototype of a miss fetched on the IO thread,
 * {@link IoOrigin}): then {@code response} is null.
 */
public final class OriginResponse implements Closeable {
    private final Response response;
    /** The status and body of a response read whole into memory (when {@code response} is null). */
    private final int bufferedStatus;
    private final byte[] bufferedBody;
    private final Fields headers;
    private final Instant requestTime;
    private final Instant responseTime;
    /** This request's place under the edge's origin caps, given back on close. */
    private final OriginSlots.Slot slot;

    OriginResponse(Response response, Instant requestTime, Instant responseTime, OriginSlots.Slot slot) {
        this.response = response;
        this.slot = slot;
        this.bufferedStatus = 0;
        this.bufferedBody = null;
        Fields.Builder b = Fields.builder();
        response.headers().forEach(pair -> b.add(pair.getFirst(), pair.getSecond()));
        this.headers = b.build();
        this.requestTime = requestTime;
        this.responseTime = responseTime;
    }

    private OriginResponse(int status, Fields headers, byte[] body, Instant requestTime, Instant responseTime) {
        this.response = null;
        this.slot = null; // the prototype takes no slot
        this.bufferedStatus = status;
        this.bufferedBody = body;
        this.headers = headers;
        this.requestTime = requestTime;
        this.responseTime = responseTime;
    }

    /** An HTTP/1.1 answer whose whole body (as its framing delimited it) was read already. */
    public static OriginResponse buffered(int status, Fields headers, byte[] body, Instant requestTime,
            Instant responseTime) {
        return new OriginResponse(status, headers, body, requestTime, responseTime);
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
        // a buffered body is read without waiting: its leader's thread reads it as it would a socket's
        return response == null || response.protocol() == okhttp3.Protocol.HTTP_1_1 || response.protocol() == okhttp3.Protocol.HTTP_1_0;
    }

    /**
     * When the origin sent bytes beyond this answer's framing, what it sent ({@link FramingCheck}): known once the
     * body was read to its end; the connection is closed already, and such an answer is not stored.
     */
    public Optional<String> overran() {
        if (response == null) {
            return Optional.empty(); // the prototype's client read exactly the framing's bytes
        }
        FramingCheck check = response.request().tag(FramingCheck.class);
        return check == null ? Optional.empty() : check.overran();
    }

    public int status() {
        return response == null ? bufferedStatus : response.code();
    }

    public Fields headers() {
        return headers;
    }

    /** Declared body length, -1 when unknown (chunked or close-delimited). */
    public long contentLength() {
        if (response == null) {
            return headers.first("content-length").map(String::strip).filter(v -> v.matches("\\d{1,18}"))
                    .map(Long::parseLong).orElse(-1L);
        }
        return response.body().contentLength();
    }

    public InputStream body() {
        return response == null ? new java.io.ByteArrayInputStream(bufferedBody) : response.body().byteStream();
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
            if (response != null) {
                response.close();
            }
        } finally {
            if (slot != null) {
                slot.close();
            }
        }
    }
}
