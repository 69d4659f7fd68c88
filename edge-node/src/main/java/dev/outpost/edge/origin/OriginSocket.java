package dev.outpost.edge.origin;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * The origin client's sockets: every read first calls this thread's {@link BlockingReadHook} when it would wait,
 * and every byte read or written is seen by the connection's {@link RawFraming}, which {@link FramingCheck} asks
 * whether an answer ended where its framing says. Under TLS these are the encrypted bytes (only plain HTTP is
 * checked that way).
 */
final class OriginSocket extends Socket {
    private final RawFraming framing = new RawFraming();
    private InputStream input;
    private OutputStream output;

    RawFraming framing() {
        return framing;
    }

    /** Bytes that came in and wait in the kernel, unread (0 when the socket is closed or broken). */
    int waiting() {
        try {
            return isClosed() ? 0 : super.getInputStream().available();
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (input == null) {
            InputStream raw = super.getInputStream();
            input = new FilterInputStream(raw) {
                @Override
                public int read() throws IOException {
                    BlockingReadHook.beforeRead(raw);
                    int b = super.read();
                    if (b >= 0) {
                        framing.read(b);
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    BlockingReadHook.beforeRead(raw);
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        framing.read(b, off, n);
                    }
                    return n;
                }
            };
        }
        return input;
    }

    @Override
    public synchronized OutputStream getOutputStream() throws IOException {
        if (output == null) {
            OutputStream raw = super.getOutputStream();
            output = new FilterOutputStream(raw) {
                @Override
                public void write(int b) throws IOException {
                    framing.writing();
                    raw.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    framing.writing();
                    raw.write(b, off, len);
                }
            };
        }
        return output;
    }
}
