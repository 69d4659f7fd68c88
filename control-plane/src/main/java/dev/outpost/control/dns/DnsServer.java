package dev.outpost.control.dns;

import dev.outpost.common.http.ListenAddress;
import dev.outpost.control.DnsSettings;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import dev.outpost.control.steering.Decision;
import dev.outpost.control.steering.SteeringSource;

/**
 * The authoritative DNS listener: one UDP socket and one TCP socket on the same address and port, both carried
 * out by {@link DnsResponder}. UDP is read by one thread (an answer is a lookup in memory, no I/O); each TCP
 * connection gets a virtual thread reading length-prefixed queries (RFC 7766: several per connection, closed when
 * idle for {@code tcpIdleTimeout}); connections past {@code maxTcpConnections} are closed at once. A bad packet
 * never stops either loop.
 */
public final class DnsServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DnsServer.class.getName());
    /** Largest DNS message (a TCP message's 16-bit length prefix). */
    private static final int MAX_MESSAGE = 65_535;

    private final DnsResponder responder;
    private final DnsSettings settings;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Semaphore tcpSlots;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Thread udpLoop;
    private final Thread acceptLoop;
    private volatile boolean closed;

    private DnsServer(DnsResponder responder, DnsSettings settings, DatagramSocket udp, ServerSocket tcp) {
        this.responder = responder;
        this.settings = settings;
        this.udp = udp;
        this.tcp = tcp;
        this.tcpSlots = new Semaphore(settings.maxTcpConnections());
        this.udpLoop = Thread.ofPlatform().name("dns-udp").daemon().unstarted(this::serveUdp);
        this.acceptLoop = Thread.ofPlatform().name("dns-tcp-accept").daemon().unstarted(this::acceptTcp);
    }

    /**
     * Binds UDP and TCP on {@code settings.listen()} (port 0: a free port, the same for both) and starts answering.
     */
    public static DnsServer start(DnsSettings settings, SteeringSource steering, Clock clock,
            Consumer<Decision> answered) {
        Zone zone = new Zone(settings, clock.instant().getEpochSecond());
        DnsResponder responder = new DnsResponder(zone, new DnsSteering(steering),
                new SourceRateLimit(clock, settings.responsesPerSecond()), answered);
        ListenAddress listen = settings.listenAddress();
        ServerSocket tcp = null;
        DatagramSocket udp = null;
        try {
            InetAddress host = InetAddress.getByName(listen.host());
            tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            tcp.bind(new InetSocketAddress(host, listen.port()), 128);
            udp = new DatagramSocket(new InetSocketAddress(host, tcp.getLocalPort()));
            DnsServer server = new DnsServer(responder, settings, udp, tcp);
            server.udpLoop.start();
            server.acceptLoop.start();
            return server;
        } catch (IOException e) {
            closeQuietly(tcp);
            if (udp != null) {
                udp.close();
            }
            throw new UncheckedIOException("dns.listen " + listen + ": cannot bind UDP and TCP: " + e.getMessage(),
                    e);
        }
    }

    /** The bound address (UDP and TCP share it). */
    public InetSocketAddress address() {
        return (InetSocketAddress) tcp.getLocalSocketAddress();
    }

    private void serveUdp() {
        byte[] buffer = new byte[MAX_MESSAGE];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
                byte[] query = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
                Optional<byte[]> reply = answer(query, packet.getAddress(), true);
                if (reply.isPresent()) {
                    udp.send(new DatagramPacket(reply.get(), reply.get().length, packet.getSocketAddress()));
                }
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "dns udp: " + e.getMessage());
                }
            }
        }
    }

    private void acceptTcp() {
        while (!closed) {
            Socket socket;
            try {
                socket = tcp.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "dns tcp accept: " + e.getMessage());
                }
                continue;
            }
            if (!tcpSlots.tryAcquire()) {
                closeQuietly(socket);
                continue;
            }
            connections.add(socket);
            Thread.ofVirtual().name("dns-tcp").start(() -> {
                try {
                    serveTcp(socket);
                } finally {
                    connections.remove(socket);
                    closeQuietly(socket);
                    tcpSlots.release();
                }
            });
        }
    }

    private void serveTcp(Socket socket) {
        try {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, settings.tcpIdleTimeout().toMillis()));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            while (!closed) {
                int length = in.readUnsignedShort();
                byte[] query = in.readNBytes(length);
                if (query.length < length) {
                    return;
                }
                Optional<byte[]> reply = answer(query, socket.getInetAddress(), false);
                if (reply.isEmpty()) {
                    return; // nothing sensible to say on this stream
                }
                out.writeShort(reply.get().length);
                out.write(reply.get());
                out.flush();
            }
        } catch (EOFException | SocketTimeoutException | SocketException e) {
            // the client closed, went idle, or the server is closing: nothing to report
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "dns tcp: " + e.getMessage());
        }
    }

    /** Whatever the packet holds, the loop goes on: a bug in answering one query costs that query only. */
    private Optional<byte[]> answer(byte[] query, InetAddress source, boolean viaUdp) {
        try {
            return responder.respond(query, source, viaUdp);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "dns: no answer to a " + query.length + "-byte query from "
                    + source.getHostAddress(), e);
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        closeQuietly(tcp);
        connections.forEach(DnsServer::closeQuietly);
        try {
            udpLoop.join(5_000);
            acceptLoop.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            // closing: nothing left to do with it
        }
    }
}
