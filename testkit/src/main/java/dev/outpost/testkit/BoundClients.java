package dev.outpost.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;

/**
 * Clients that connect from a chosen loopback address (any 127.x works on Linux), so a server sees several client
 * addresses on one machine: per-client limits are tested with them.
 */
public final class BoundClients {
    private BoundClients() {
    }

    /** {@code base} connecting from {@code address}, with a pool of its own (never another address's socket). */
    public static OkHttpClient from(String address, OkHttpClient base) {
        try {
            return base.newBuilder().socketFactory(new Bound(InetAddress.getByName(address)))
                    .connectionPool(new ConnectionPool()).build();
        } catch (IOException e) {
            throw new IllegalArgumentException("not an address: " + address, e);
        }
    }

    /** A plain socket connected from {@code from} to 127.0.0.1:{@code port}. */
    public static Socket connect(String from, int port) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return socket;
    }

    /** Unconnected sockets bound to one local address; OkHttp connects them itself. */
    private static final class Bound extends SocketFactory {
        private final InetAddress local;

        Bound(InetAddress local) {
            this.local = local;
        }

        @Override
        public Socket createSocket() throws IOException {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(local, 0));
            return socket;
        }

        @Override
        public Socket createSocket(String host, int port) {
            throw new UnsupportedOperationException("OkHttp connects unconnected sockets");
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) {
            throw new UnsupportedOperationException("OkHttp connects unconnected sockets");
        }

        @Override
        public Socket createSocket(InetAddress host, int port) {
            throw new UnsupportedOperationException("OkHttp connects unconnected sockets");
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) {
            throw new UnsupportedOperationException("OkHttp connects unconnected sockets");
        }
    }
}
