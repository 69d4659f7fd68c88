package dev.outpost.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Time to first byte as the loopback device saw it: a {@code tcpdump} capture of the given server ports, read back
 * after the run. On loopback a packet is timestamped as the sender's kernel transmits it, inside the sender's own
 * {@code write}, so the time from a request's first segment to the first segment carrying body bytes is what a tap
 * on the wire would measure: it leaves out how long the client itself waited for a core before it read them (on a
 * 2-core machine shared by client, edge and origin, that wait grows with the bytes the others copy).
 *
 * <p>Only what this needs of the formats is read: pcap with nanosecond timestamps, Ethernet framing (what Linux
 * gives {@code lo}), IPv4, TCP. Connections are told apart by their port pair and their SYN, so a port used twice is
 * two connections, in order.
 */
final class WireCapture implements AutoCloseable {
    /** The pcap magic number of a file with nanosecond timestamps, as written in the file's own byte order. */
    static final int NANO_MAGIC = 0xa1b23c4d;
    static final int LINKTYPE_ETHERNET = 1;

    private final Process tcpdump;
    private final Path file;
    private final StringBuilder stderr = new StringBuilder();

    private WireCapture(Process tcpdump, Path file) {
        this.tcpdump = tcpdump;
        this.file = file;
    }

    /**
     * Starts capturing TCP to and from {@code ports} on {@code lo} into a temporary file of its own (deleted by
     * {@link #close}); returns once tcpdump is listening.
     */
    static WireCapture start(int... ports) throws IOException, InterruptedException {
        Path file = Files.createTempFile("wire-capture", ".pcap");
        StringBuilder filter = new StringBuilder();
        for (int port : ports) {
            filter.append(filter.isEmpty() ? "" : " or ").append("tcp port ").append(port);
        }
        // Headers only (-s 128), each packet written as it comes (-U), a 64 MiB kernel buffer (-B) so a 64 MiB body
        // in 64 KiB loopback segments is not dropped.
        Process p = new ProcessBuilder("tcpdump", "-i", "lo", "-n", "-s", "128", "-U", "-B", "65536",
                "--time-stamp-precision=nano", "-w", file.toString(), filter.toString()).start();
        WireCapture capture = new WireCapture(p, file);
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        for (String line; (line = err.readLine()) != null; ) {
            capture.stderr.append(line).append('\n');
            if (line.contains("listening on")) { // "tcpdump: listening on lo, link-type EN10MB ..."
                Thread.ofPlatform().daemon().start(() -> capture.keepReading(err));
                return capture;
            }
        }
        capture.close();
        throw new IOException("tcpdump did not start: " + capture.stderr);
    }

    private void keepReading(BufferedReader err) {
        try {
            for (String line; (line = err.readLine()) != null; ) {
                synchronized (stderr) {
                    stderr.append(line).append('\n');
                }
            }
        } catch (IOException ignored) {
            // tcpdump exited
        }
    }

    /** Stops the capture and reads it; fails when tcpdump says the kernel dropped packets. */
    Map<PortPair, ArrayDeque<Connection>> stopAndRead() throws IOException, InterruptedException {
        stop();
        String said;
        synchronized (stderr) {
            said = stderr.toString();
        }
        Optional<String> dropped = said.lines().filter(l -> l.contains("dropped by kernel")).findFirst();
        if (dropped.isPresent() && !dropped.get().startsWith("0 ")) {
            throw new IOException("tcpdump lost packets: " + dropped.get());
        }
        return read(Files.readAllBytes(file));
    }

    /** Stops tcpdump (if it still runs) and deletes the capture. */
    @Override
    public void close() throws IOException, InterruptedException {
        stop();
        Files.deleteIfExists(file);
    }

    private void stop() throws InterruptedException {
        if (tcpdump.isAlive()) {
            tcpdump.destroy(); // SIGTERM: tcpdump finishes the file and prints its counts
            if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) {
                tcpdump.destroyForcibly();
            }
        }
        Thread.sleep(100); // its last stderr lines
    }

    /** A client's port and the server's, as the client connected. */
    record PortPair(int client, int server) {
    }

    /** A server's segment that carried data: when it was sent, and where its bytes start in the server's stream. */
    record Segment(long nanos, long offset, int length) {
    }

    /** One connection: when the client sent its first data, and what the server sent. */
    static final class Connection {
        long serverIsn = -1;
        long requestNanos = -1;
        final List<Segment> fromServer = new ArrayList<>();

        /**
         * Nanoseconds from the client's first data to the first server segment holding byte {@code headBytes} of
         * the server's stream (the first body byte after a head that long); empty when the capture lacks either.
         */
        Optional<Long> firstByteAfter(long headBytes) {
            if (requestNanos < 0) {
                return Optional.empty();
            }
            for (Segment s : fromServer) {
                if (s.offset() + s.length() > headBytes) {
                    return Optional.of(s.nanos() - requestNanos);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * The connections in a pcap file (nanosecond timestamps, Ethernet, IPv4) whose server side is any port: a SYN
     * without ACK opens one under (its source port, its destination port).
     */
    static Map<PortPair, ArrayDeque<Connection>> read(byte[] pcap) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        int magic = in.getInt();
        if (magic != NANO_MAGIC) {
            in.order(ByteOrder.BIG_ENDIAN);
            in.position(0);
            if (in.getInt() != NANO_MAGIC) {
                throw new IOException("not a pcap file with nanosecond timestamps");
            }
        }
        in.position(20);
        int linkType = in.getInt();
        if (linkType != LINKTYPE_ETHERNET) {
            throw new IOException("link type " + linkType + ", not Ethernet (capture on lo)");
        }
        Map<PortPair, ArrayDeque<Connection>> connections = new HashMap<>();
        while (in.remaining() >= 16) {
            long nanos = (in.getInt() & 0xffffffffL) * 1_000_000_000L + (in.getInt() & 0xffffffffL);
            int captured = in.getInt();
            in.getInt(); // original length
            if (captured < 0 || captured > in.remaining()) {
                throw new IOException("truncated pcap record");
            }
            ByteBuffer packet = in.slice(in.position(), captured).order(ByteOrder.BIG_ENDIAN);
            in.position(in.position() + captured);
            onPacket(nanos, packet, connections);
        }
        return connections;
    }

    private static void onPacket(long nanos, ByteBuffer p, Map<PortPair, ArrayDeque<Connection>> connections) {
        if (p.remaining() < 14 + 20 || (p.getShort(12) & 0xffff) != 0x0800) {
            return; // not IPv4
        }
        int ip = 14;
        int ipHeader = (p.get(ip) & 0x0f) * 4;
        int ipTotal = p.getShort(ip + 2) & 0xffff;
        if (p.get(ip + 9) != 6) {
            return; // not TCP
        }
        int tcp = ip + ipHeader;
        if (p.remaining() < tcp + 20) {
            return;
        }
        int source = p.getShort(tcp) & 0xffff;
        int destination = p.getShort(tcp + 2) & 0xffff;
        long seq = p.getInt(tcp + 4) & 0xffffffffL;
        int tcpHeader = ((p.get(tcp + 12) >> 4) & 0x0f) * 4;
        int flags = p.get(tcp + 13) & 0xff;
        boolean syn = (flags & 0x02) != 0;
        boolean ack = (flags & 0x10) != 0;
        int payload = ipTotal - ipHeader - tcpHeader;
        if (syn && !ack) {
            connections.computeIfAbsent(new PortPair(source, destination), k -> new ArrayDeque<>())
                    .addLast(new Connection());
            return;
        }
        ArrayDeque<Connection> fromClient = connections.get(new PortPair(source, destination));
        if (fromClient != null && !fromClient.isEmpty()) {
            Connection c = fromClient.peekLast();
            if (payload > 0 && c.requestNanos < 0) {
                c.requestNanos = nanos;
            }
            return;
        }
        ArrayDeque<Connection> toClient = connections.get(new PortPair(destination, source));
        if (toClient == null || toClient.isEmpty()) {
            return; // a connection opened before the capture
        }
        Connection c = toClient.peekLast();
        if (syn) {
            c.serverIsn = seq;
        } else if (payload > 0 && c.serverIsn >= 0) {
            c.fromServer.add(new Segment(nanos, (seq - c.serverIsn - 1) & 0xffffffffL, payload));
        }
    }
}
