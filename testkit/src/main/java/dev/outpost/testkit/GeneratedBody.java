package dev.outpost.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.SplittableRandom;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;

/**
 * A deterministic pseudo-random body of any size, generated while it is sent (never held in memory): uploads of
 * hundreds of MiB cost no heap, and the same {@code (size, seed)} always gives the same bytes and digest.
 */
public record GeneratedBody(long size, long seed) {
    public static final MediaType OCTETS = MediaType.get("application/octet-stream");

    /** Sent with its Content-Length. */
    public RequestBody sized() {
        return stream(size);
    }

    /** Sent without Content-Length (chunked), so only counting while streaming can catch its size. */
    public RequestBody chunked() {
        return stream(-1);
    }

    private RequestBody stream(long declared) {
        return new RequestBody() {
            @Override
            public MediaType contentType() {
                return OCTETS;
            }

            @Override
            public long contentLength() {
                return declared;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                try (InputStream in = open()) {
                    byte[] buffer = new byte[64 * 1024];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        sink.write(buffer, 0, n);
                    }
                }
            }
        };
    }

    /** The bytes, from the start. */
    public InputStream open() {
        SplittableRandom random = new SplittableRandom(seed);
        return new InputStream() {
            private long left = size;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(length, left);
                for (int i = 0; i < n; i++) {
                    buffer[offset + i] = (byte) random.nextInt(256);
                }
                left -= n;
                return n;
            }
        };
    }

    public byte[] sha256() {
        return sha256(open());
    }

    /** Its {@code Repr-Digest} field value. */
    public String reprDigest() {
        return "sha-256=:" + Base64.getEncoder().encodeToString(sha256()) + ":";
    }

    /** The SHA-256 of a stream read to its end (and closed). */
    public static byte[] sha256(InputStream in) {
        try (in) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return digest.digest();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
