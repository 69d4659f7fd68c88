package dev.outpost.edge.origin;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import okhttp3.internal.http2.ConnectionShutdownException;

/**
 * The origin client's sockets: every read first calls this thread's {@link BlockingReadHook} when it would wait,
 * and every byte read or written is seen by the connection's {@link RawFraming}, which {@link FramingCheck} asks
 * whether an answer ended where its framing says; a request's first write checks that nothing came unasked since.
 * Under TLS these are the encrypted bytes (only plain HTTP is checked that way).
 */
final class OriginSocket extends Socket {
    private final RawFraming framing = new RawFraming();
    private InputStream input;
    private OutputStream output;
    /** A request was started on this connection and none of it was written yet: see {@link #requestStarting}. */
    private volatile boolean requestPending;

    RawFraming framing() {
        return framing;
    }

    /**
     * The origin client begins a request here ({@link FramingCheck#requestHeadersStart}): its first write checks,
     * at the last moment before any of it leaves, that the origin sent nothing since its last answer ended.
     */
    void requestStarting() {
        requestPending = true;
    }

    /**
     * Before a request's first byte goes out: bytes that came unasked (waiting in the kernel, or read from the
     * socket since the last answer's end) would be read as its answer. The connection is closed and the write fails with nothing
     * sent, so the client sends the request again on another connection.
     */
    private void checkNothingCameUnasked() throws IOException {
        if (!requestPending) {
            return;
        }
        requestPending = false;
        long unasked = framing.unanswered() + waiting();
        if (unasked > 0) {
            close();
            // OkHttp reads an answer after a failed write (a server may answer early), and bytes in its buffer
            // would be that answer; this exception it takes for "nothing was sent": no read, the request is retried.
            IOException nothingSent = new ConnectionShutdownException();
            nothingSent.initCause(new SocketException("the origin sent " + unasked + " bytes nobody asked for"));
            throw nothingSent;
        }
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
                    checkNothingCameUnasked();
                    framing.writing();
                    raw.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    checkNothingCameUnasked();
                    framing.writing();
                    raw.write(b, off, len);
                }
            };
        }
        return output;
    }
}
