package dev.outpost.origin.http;

import dev.outpost.common.http.ApiException;
import io.undertow.server.RequestTooBigException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * An upload body whose "too large" failure is Undertow's own (its chunked decoder checks the exchange's max entity
 * size at each chunk header, possibly before the body's byte count passes the limit): rethrown as the 413 the asset
 * API answers, rather than the "incomplete body" any other read failure means.
 */
final class UploadLimitStream extends FilterInputStream {
    private final long limit;

    UploadLimitStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        try {
            return super.read();
        } catch (RequestTooBigException e) {
            throw tooLarge();
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            return super.read(buffer, offset, length);
        } catch (RequestTooBigException e) {
            throw tooLarge();
        }
    }

    private ApiException tooLarge() {
        return new ApiException(413, "too_large", "the body exceeds maxUploadBytes (" + limit + " bytes)");
    }
}
