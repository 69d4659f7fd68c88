package dev.outpost.edge.origin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Reads a body whose length was not announced but whose end the framing marks (a chunked HTTP/1.1 body ends with
 * its last chunk, an HTTP/2 body with END_STREAM), so a short one is an IOException, never a complete-looking
 * body. It is read into direct memory while it fits within a limit; a larger one, or one that finds no direct
 * memory, is handed back with what was read so far, to be streamed on. (A close-delimited body has no such end and
 * is never read here.)
 */
final class FramedBody {
    private static final int FIRST_BUFFER = 64 * 1024;

    private FramedBody() {
    }

    /** What reading found. */
    sealed interface Result permits Complete, TooLarge, NoMemory {
        /** The bytes read so far (the whole body when complete), positioned for reading. */
        ByteBuffer read();
    }

    /** The body ended within the limit; {@code read} is the whole body in a direct buffer of its exact size. */
    record Complete(ByteBuffer read) implements Result {
    }

    /** The body goes on past the limit: not stored. */
    record TooLarge(ByteBuffer read) implements Result {
    }

    /** Direct memory ran out while reading: not stored this time. */
    record NoMemory(ByteBuffer read) implements Result {
    }

    static Result read(InputStream in, long limit) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(0);
        byte[] chunk = new byte[16 * 1024];
        try {
            buffer = ByteBuffer.allocateDirect((int) Math.min(FIRST_BUFFER, limit + 1));
            while (true) {
                int n = in.read(chunk, 0, (int) Math.min(chunk.length, limit + 1 - buffer.position()));
                if (n < 0) {
                    ByteBuffer exact = ByteBuffer.allocateDirect(buffer.position());
                    exact.put(buffer.flip());
                    return new Complete(exact.flip());
                }
                if (buffer.remaining() < n) {
                    buffer = grown(buffer, n, limit);
                }
                buffer.put(chunk, 0, n);
                if (buffer.position() > limit) {
                    return new TooLarge(buffer.flip());
                }
            }
        } catch (OutOfMemoryError e) {
            // -XX:MaxDirectMemorySize reached by live bodies: relay this one as it arrives instead of failing.
            return new NoMemory(buffer.flip());
        }
    }

    private static ByteBuffer grown(ByteBuffer buffer, int needed, long limit) {
        long size = Math.min(Math.max((long) buffer.capacity() * 2, buffer.position() + (long) needed), limit + 1);
        ByteBuffer bigger = ByteBuffer.allocateDirect((int) size);
        bigger.put(buffer.flip());
        return bigger;
    }
}
