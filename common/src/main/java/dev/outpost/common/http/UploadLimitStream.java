package dev.outpost.common.http;

import io.undertow.server.RequestTooBigException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * An upload body whose "too large" failure is Undertow's own (its chunked decoder checks the exchange's max entity
 * size at each chunk header, possibly before the body's byte count passes the limit): rethrown as the 413 the upload
 * APIs answer, rather than the "incomplete body" any other read failure means.
 */
public final class UploadLimitStream extends FilterInputStream {
    private final RuntimeException tooLarge;

    /** @param tooLarge what a read throws when Undertow finds the body too large (the caller's own 413) */
    public UploadLimitStream(InputStream in, RuntimeException tooLarge) {
        super(in);
        this.tooLarge = tooLarge;
    }

    @Override
    public int read() throws IOException {
        try {
            return super.read();
        } catch (RequestTooBigException e) {
            throw tooLarge;
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            return super.read(buffer, offset, length);
        } catch (RequestTooBigException e) {
            throw tooLarge;
        }
    }
}
