package dev.outpost.edge.origin;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Origin sockets that tell a thread, once, that its next read would wait for the network: a leader reading a
 * small body itself ({@link PendingFiller}) then hands its client's relay to another thread before it blocks, so
 * the origin's head reaches the client at once even when the body is late. Reads served from bytes OkHttp already
 * holds never reach the socket, and a read with bytes waiting in the kernel does not block: neither calls the hook.
 * Only the thread that set a hook pays for the check (one {@code FIONREAD} per socket read).
 */
final class BlockingReadHook {
    private static final ThreadLocal<Runnable> BEFORE_BLOCKING = new ThreadLocal<>();

    private BlockingReadHook() {
    }

    /** Runs {@code work} with {@code beforeBlocking} called (at most once) before a read of it would block. */
    static void around(Runnable beforeBlocking, Runnable work) {
        BEFORE_BLOCKING.set(beforeBlocking);
        try {
            work.run();
        } finally {
            BEFORE_BLOCKING.remove();
        }
    }

    /** The socket factory for the origin client: plain sockets whose input calls the hook ({@link OriginSocket}). */
    static SocketFactory sockets() {
        return new SocketFactory() {
            @Override
            public Socket createSocket() {
                return new OriginSocket();
            }

            @Override
            public Socket createSocket(String host, int port) throws IOException {
                throw unconnectedOnly();
            }

            @Override
            public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
                throw unconnectedOnly();
            }

            @Override
            public Socket createSocket(InetAddress host, int port) throws IOException {
                throw unconnectedOnly();
            }

            @Override
            public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort)
                    throws IOException {
                throw unconnectedOnly();
            }
        };
    }

    /** OkHttp makes unconnected sockets and connects them itself (with its connect timeout). */
    private static IOException unconnectedOnly() {
        return new IOException("origin sockets are created unconnected");
    }

    /** The hook of this thread, if it set one and it has not run: runs it when {@code raw} has nothing to read. */
    static void beforeRead(InputStream raw) throws IOException {
        Runnable hook = BEFORE_BLOCKING.get();
        if (hook != null && raw.available() == 0) {
            BEFORE_BLOCKING.remove();
            hook.run();
        }
    }
}
