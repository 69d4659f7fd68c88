package dev.outpost.edge.origin;

import dev.outpost.edge.cache.Fields;
import java.io.Closeable;
import java.io.InputStream;
import java.time.Instant;
import okhttp3.Response;

/** An origin's response with its body still to be read; close it when done. */
public final class OriginResponse implements Closeable {
    private final Response response;
    private final Fields headers;
    private final Instant requestTime;
    private final Instant responseTime;

    OriginResponse(Response response, Instant requestTime, Instant responseTime) {
        this.response = response;
        Fields.Builder b = Fields.builder();
        response.headers().forEach(pair -> b.add(pair.getFirst(), pair.getSecond()));
        this.headers = b.build();
        this.requestTime = requestTime;
        this.responseTime = responseTime;
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
        return response.body().byteStream();
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
