package dev.outpost.edge.origin;

import dev.outpost.edge.cache.Fields;
import java.io.Closeable;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import okhttp3.Response;

/** An origin's response with its body still to be read; close it when done. */
public final class OriginResponse implements Closeable {
    private final Response response;
    private final Fields headers;
    private final Instant requestTime;
    private final Instant responseTime;
    /** Body bytes already read (looking for the end of a framed body), given back before the rest. */
    private final ByteBuffer alreadyRead;

    OriginResponse(Response response, Instant requestTime, Instant responseTime) {
        this.response = response;
        Fields.Builder b = Fields.builder();
        response.headers().forEach(pair -> b.add(pair.getFirst(), pair.getSecond()));
        this.headers = b.build();
        this.requestTime = requestTime;
        this.responseTime = responseTime;
        this.alreadyRead = ByteBuffer.allocate(0);
    }

    private OriginResponse(OriginResponse of, ByteBuffer alreadyRead) {
        this.response = of.response;
        this.headers = of.headers;
        this.requestTime = of.requestTime;
        this.responseTime = of.responseTime;
        this.alreadyRead = alreadyRead;
    }

    /** The same response whose {@link #body()} starts with {@code read}, the bytes taken from it already. */
    OriginResponse afterReading(ByteBuffer read) {
        return new OriginResponse(this, read.asReadOnlyBuffer());
    }

    /**
     * Whether the body's end is marked by its framing (Content-Length, chunked, or an HTTP/2 stream end), so a body
     * cut short is an error rather than a complete-looking shorter one. Close-delimited bodies are not.
     */
    public boolean framed() {
        if (contentLength() >= 0 || response.protocol() != okhttp3.Protocol.HTTP_1_1
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

    public int status() {
        return response.code();
    }

    public Fields headers() {
        return headers;
    }

    /** Declared body length, -1 when unknown (chunked or close-delimited). */
    public long contentLength() {
        return response.body().contentLength();
    }

    public InputStream body() {
        InputStream rest = response.body().byteStream();
        if (!alreadyRead.hasRemaining()) {
            return rest;
        }
        ByteBuffer read = alreadyRead.duplicate();
        return new java.io.SequenceInputStream(new InputStream() {
            @Override
            public int read() {
                return read.hasRemaining() ? read.get() & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (!read.hasRemaining()) {
                    return -1;
                }
                int n = Math.min(len, read.remaining());
                read.get(b, off, n);
                return n;
            }
        }, rest);
    }

    public Instant requestTime() {
        return requestTime;
    }

    public Instant responseTime() {
        return responseTime;
    }

    @Override
    public void close() {
        response.close();
    }
}
