package dev.outpost.cli.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A simulated WAN link in front of a loopback listener: a TCP relay that delays each direction of every connection
 * by a one-way delay chosen from the client's address (so one public address can serve near and far clients).
 * Used only by {@code outpost local}; the nodes themselves know nothing of it.
 *
 * <p>The model, per connection with one-way delay {@code d}:
 * <ul>
 *   <li>every chunk read from one side is written to the other {@code d} after it was read ({@link DelayLine}), in
 *       both directions, with up to {@link #MAX_BUFFERED_BYTES} in flight per direction;</li>
 *   <li>loopback's TCP handshake costs nothing, a real one a round trip: the relay connects upstream at once, but
 *       releases the client's first bytes no earlier than {@code 3d} after the connection was accepted (SYN out,
 *       SYN-ACK back, data out), so a request on a new connection costs two round trips and one on a kept-alive
 *       connection one;</li>
 *   <li>end of stream is delayed like data and passed on as a half-close; a reset or error closes both sides at
 *       once (undelayed); a refused upstream closes the client at once.</li>
 * </ul>
 * Both sockets use TCP_NODELAY so small writes are not held back by Nagle on top of the simulated delay.
 */
final class WanRelay implements AutoCloseable {
    /** Per direction and connection; a bulk transfer keeps up to this much in flight during one delay. */
    static final int MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final String name;
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Function<InetAddress, Duration> delayFor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Thread acceptor;

    private WanRelay(String name, ServerSocket server, InetSocketAddress target,
            Function<InetAddress, Duration> delayFor) {
        this.name = name;
        this.server = server;
        this.target = target;
        this.delayFor = delayFor;
    }

    /**
     * Listens on {@code listen} (port 0: any free port) and relays to {@code target}, delaying by
     * {@code delayFor(client address)}. A taken address fails with a one-line message naming the relay.
     */
    static WanRelay start(String name, InetSocketAddress listen, InetSocketAddress target,
            Function<InetAddress, Duration> delayFor) {
        ServerSocket server;
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(listen, 200);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + listen.getHostString() + ":" + listen.getPort()
                    + " (" + name + "): " + e.getMessage(), e);
        }
        WanRelay relay = new WanRelay(name, server, target, delayFor);
        relay.acceptor = Thread.ofVirtual().name("wan-" + name).start(relay::accept);
        return relay;
    }

    /** A relay with one delay for every client. */
    static WanRelay start(String name, InetSocketAddress listen, InetSocketAddress target, Duration delay) {
        return start(name, listen, target, client -> delay);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    String name() {
        return name;
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            long acceptedNanos = System.nanoTime();
            Thread.ofVirtual().name("wan-" + name + "-conn").start(() -> relay(client, acceptedNanos));
        }
    }

    private void relay(Socket client, long acceptedNanos) {
        long delay = delayFor.apply(client.getInetAddress()).toNanos();
        Socket upstream = new Socket();
        try {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(target, (int) CONNECT_TIMEOUT.toMillis());
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(upstream);
            return;
        }
        open.add(client);
        open.add(upstream);
        if (server.isClosed()) { // closed while connecting: close() may have missed these two
            closeBoth(client, upstream);
            return;
        }
        DelayLine toServer = new DelayLine(client, upstream, delay, acceptedNanos + 3 * delay, MAX_BUFFERED_BYTES);
        DelayLine toClient = new DelayLine(upstream, client, delay, 0, MAX_BUFFERED_BYTES);
        Connection connection = new Connection(client, upstream, toServer, toClient, new AtomicInteger());
        for (DelayLine line : new DelayLine[] {toServer, toClient}) {
            Thread.ofVirtual().start(() -> run(line::read, connection, false));
            Thread.ofVirtual().start(() -> run(line::write, connection, true));
        }
    }

    /** One relayed connection: its two sockets and two delay lines. */
    private record Connection(Socket client, Socket upstream, DelayLine toServer, DelayLine toClient,
            AtomicInteger directionsDone) {
    }

    /** The I/O step of one side; a failure closes the whole connection, two clean half-closes end it. */
    private void run(Step step, Connection connection, boolean writer) {
        try {
            step.run();
            if (writer && connection.directionsDone().incrementAndGet() == 2) {
                closeBoth(connection.client(), connection.upstream());
            }
        } catch (IOException | InterruptedException e) {
            closeBoth(connection.client(), connection.upstream());
            connection.toServer().abort();
            connection.toClient().abort();
        }
    }

    @FunctionalInterface
    private interface Step {
        void run() throws IOException, InterruptedException;
    }

    private void closeBoth(Socket client, Socket upstream) {
        closeQuietly(client);
        closeQuietly(upstream);
        open.remove(client);
        open.remove(upstream);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }

    /** Stops accepting and cuts every open connection. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
        // Closing a server socket that a virtual thread is parked in accept() on defers the real close until that
        // thread leaves accept(): until then the kernel still completes connections. Waiting for it makes "closed"
        // mean "refuses new connections" (seen: 190 of 300 connects succeeded right after close() without this).
        try {
            acceptor.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Socket socket : open) {
            closeQuietly(socket);
        }
        open.clear();
    }
}
