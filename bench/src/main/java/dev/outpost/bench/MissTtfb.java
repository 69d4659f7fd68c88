package dev.outpost.bench;

import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.EdgeConfig;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 22's miss time to first byte, in one JVM on loopback: a fake origin that sends its head and the first half
 * of the body at once, then holds the second half for {@code --hold-ms}, so a miss that waited for the whole body
 * would show the hold in its first byte. For each object size it measures, over {@code --repeats} fresh URLs, the
 * time from sending the request to the first body byte: straight from the origin, through the edge as the miss's
 * leader, and as a collapsed follower that asks once the leader has its first byte (the origin still holding the
 * rest). Sizes up to {@code cache.maxObjectBytes} (16 MiB) are stored as they fill; 64 MiB is over it and relayed
 * through the spool. Prints a Markdown table of medians and 90th percentiles (ms) and the differences to the
 * origin's. Run by hand:
 * {@code java -cp bench/target/benchmarks.jar dev.outpost.bench.MissTtfb [--repeats 30] [--hold-ms 50]
 * [--warm-misses 3000] [--warm-held 3000] [--wire]}: the warm-up's small misses (sent whole, not held) and misses
 * held briefly (1 ms, of 1 KiB to 1 MiB) get the JIT to compile both miss paths before anything is timed, as an edge
 * that has run for a while has them. With {@code --wire} (root, {@code tcpdump}) the timed requests are also
 * captured on {@code lo} and a second table gives their first byte as sent ({@link WireCapture}): client, edge and
 * origin share this JVM and two cores, so from 4 MiB on the client's own wait for a core shows in the first table.
 */
public final class MissTtfb {
    private static final String HOST = "miss.bench.test";
    /** Tag of the warm-up's objects, which the origin sends whole at once. */
    private static final String WARM_UNHELD = "jit-";
    /** Tag of the warm-up's held objects, whose second half the origin holds for 1 ms only. */
    private static final String WARM_BRIEFLY_HELD = "jitheld-";
    /** The sizes the held warm-up cycles through: a small body and two over the 64 KiB read on the IO thread. */
    private static final int[] WARM_HELD_SIZES = {1024, 100 * 1024, 1024 * 1024};
    private static final int[] SIZES = {1024, 100 * 1024, 1024 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024,
            64 * 1024 * 1024};

    /** When above 0, every request goes on a connection opened that long before (as a keep-alive client's). */
    private static int preconnectMs;

    private MissTtfb() {
    }

    public static void main(String[] args) throws Exception {
        int repeats = intArg(args, "--repeats", 30);
        int holdMs = intArg(args, "--hold-ms", 50);
        int warmMisses = intArg(args, "--warm-misses", 3000);
        int warmHeld = intArg(args, "--warm-held", 3000);
        int warmRounds = intArg(args, "--warm-rounds", 12);
        boolean wire = Arrays.asList(args).contains("--wire");
        preconnectMs = intArg(args, "--preconnect-ms", 0);
        // A peer cache (e.g. nginx, bench/miss-ttfb-peer.sh) in front of this run's origin, which then listens on
        // --origin-port so the peer's configuration can name it: its leaders and followers are timed beside the
        // edge's, on their own URLs (/p/...), moments after the edge's of the same size.
        int peerPort = intArg(args, "--peer-port", 0);
        int originPort = intArg(args, "--origin-port", 0);
        try (HalfHoldingOrigin origin = new HalfHoldingOrigin(holdMs, originPort);
                EdgeNode edge = EdgeNode.start(EdgeConfig.of("bench-edge", "127.0.0.1:0",
                        DeliveryService.of("bench", List.of(HOST), List.of(origin.uri())))
                        .withCache(CacheConfig.ofSize(1024L * 1024 * 1024, 16L * 1024 * 1024)), Clock.systemUTC())) {
            int edgePort = edge.port();
            // Warm-up: JIT the per-request path first. Five rounds per size (what this did before) ran the miss
            // path 30 times, mostly interpreted: it put a cold JIT's ~3-7 ms into every leader's first byte.
            // These misses are not held by the origin, so thousands take seconds.
            // Rounds of every size (--warm-rounds) go evenly between these misses, none at the end: rounds run
            // only at the end were the first large bodies the compiled code saw, and their uncommon traps
            // deoptimized Undertow's root handler (into which C2 had inlined the edge's handler chain) just before
            // the timed part, which then ran it interpreted (-XX:+PrintCompilation, 2026-12-07): too few requests
            // to compile it again. With the rounds spread, the profile has every size's path when C2 compiles.
            int warmAll = warmMisses + warmHeld;
            int roundEvery = Math.max(1, warmAll / Math.max(1, warmRounds));
            int round = 0;
            for (int i = 0; i < warmAll; i++) {
                if (i % roundEvery == 0 && round < warmRounds) {
                    everySize(origin.port(), edgePort, "warm-" + round++);
                }
                if (i < warmMisses) {
                    measure(origin.port(), edgePort, 1024, WARM_UNHELD + i);
                } else {
                    // ... and the path of a body still arriving, which those never take (the head and first bytes
                    // sent before the rest came, a filler thread reading it): without this, the leaders timed below
                    // ran it interpreted, ~0.8 ms of their first byte at every size (timed step by step on
                    // 2026-12-07: ~70-140 µs each for the outcome, the publication to followers, the answer's
                    // decision and the first write).
                    int j = i - warmMisses;
                    measure(origin.port(), edgePort, WARM_HELD_SIZES[j % WARM_HELD_SIZES.length],
                            WARM_BRIEFLY_HELD + j);
                }
            }
            // Stopped (and its file deleted) however the timed part ends: a tcpdump left running outlives this JVM.
            WireCapture capture = wire ? WireCapture.start(origin.port(), edgePort) : null;
            try {
                List<List<Client[]>> probes = new ArrayList<>();
                System.out.printf("Seen by the client (request written → first body byte read), ms:%n%n");
                System.out.printf(TABLE_HEAD);
                for (int size : SIZES) {
                    double[] direct = new double[repeats];
                    double[] leader = new double[repeats];
                    double[] follower = new double[repeats];
                    List<Client[]> ofSize = new ArrayList<>();
                    for (int i = 0; i < repeats; i++) {
                        Client[] one = measure(origin.port(), edgePort, size, "r" + i);
                        if (peerPort > 0) {
                            one = Arrays.copyOf(one, 5);
                            try (Client peerLeader = Client.ask(peerPort, "/p/" + size + "/r" + i);
                                    Client peerFollower = Client.ask(peerPort, "/p/" + size + "/r" + i)) {
                                peerLeader.drain();
                                peerFollower.drain();
                                one[3] = peerLeader;
                                one[4] = peerFollower;
                            }
                        }
                        direct[i] = one[0].ttfbMillis;
                        leader[i] = one[1].ttfbMillis;
                        follower[i] = one[2].ttfbMillis;
                        ofSize.add(one);
                    }
                    probes.add(ofSize);
                    printRow(size, direct, leader, follower);
                }
                if (capture != null) {
                    printWire(capture, probes, repeats);
                }
                if (peerPort > 0) {
                    printPeer(probes, repeats);
                }
            } finally {
                if (capture != null) {
                    capture.close();
                }
            }
        }
    }

    private static final String TABLE_HEAD = "| size | origin TTFB p50 / p90 | leader miss TTFB p50 / p90 "
            + "| follower TTFB p50 / p90 | leader − origin p50 | follower − origin p50 |%n|---|---|---|---|---|---|%n";

    private static void printRow(int size, double[] direct, double[] leader, double[] follower) {
        System.out.printf(Locale.ROOT, "| %s | %.3f / %.3f | %.3f / %.3f | %.3f / %.3f | %+.3f | %+.3f |%n",
                label(size), pct(direct, 50), pct(direct, 90), pct(leader, 50), pct(leader, 90),
                pct(follower, 50), pct(follower, 90), pct(leader, 50) - pct(direct, 50),
                pct(follower, 50) - pct(direct, 50));
    }

    /** The peer's leaders and followers, against the same origin TTFBs as the edge's. */
    private static void printPeer(List<List<Client[]>> probes, int repeats) {
        System.out.printf("%nThrough the peer (--peer-port; its own URLs, asked just after the edge's), ms:%n%n");
        System.out.printf(TABLE_HEAD);
        for (int s = 0; s < SIZES.length; s++) {
            double[][] t = new double[3][repeats];
            for (int i = 0; i < repeats; i++) {
                Client[] one = probes.get(s).get(i);
                t[0][i] = one[0].ttfbMillis;
                t[1][i] = one[3].ttfbMillis;
                t[2][i] = one[4].ttfbMillis;
            }
            printRow(SIZES[s], t[0], t[1], t[2]);
        }
    }

    /** The same requests' first byte as the loopback device saw it ({@link WireCapture}). */
    private static void printWire(WireCapture capture, List<List<Client[]>> probes, int repeats) throws Exception {
        Map<WireCapture.PortPair, ArrayDeque<WireCapture.Connection>> connections = capture.stopAndRead();
        System.out.printf("%nOn the wire (tcpdump on lo: the request's first segment → the first segment holding a "
                + "body byte, as sent), ms:%n%n");
        System.out.printf(TABLE_HEAD);
        for (int s = 0; s < SIZES.length; s++) {
            double[][] wire = new double[3][repeats];
            for (int i = 0; i < repeats; i++) {
                Client[] one = probes.get(s).get(i);
                for (int k = 0; k < 3; k++) {
                    Client c = one[k];
                    ArrayDeque<WireCapture.Connection> seen = connections.get(
                            new WireCapture.PortPair(c.localPort, c.serverPort));
                    WireCapture.Connection conn = seen == null ? null : seen.pollFirst();
                    if (conn == null) {
                        throw new IllegalStateException("the capture lacks the connection from port " + c.localPort);
                    }
                    wire[k][i] = conn.firstByteAfter(c.headBytes).orElseThrow(() -> new IllegalStateException(
                            "the capture lacks the first body byte of port " + c.localPort)) / 1e6;
                }
            }
            printRow(SIZES[s], wire[0], wire[1], wire[2]);
        }
    }

    /** One object of every timed size, as {@link #measure} asks it. */
    private static void everySize(int originPort, int edgePort, String tag) throws Exception {
        for (int size : SIZES) {
            measure(originPort, edgePort, size, tag);
        }
    }

    /** One object of {@code size}: asked from the origin, then from the edge as leader and follower (drained). */
    private static Client[] measure(int originPort, int edgePort, int size, String tag) throws Exception {
        String direct = "/d/" + size + "/" + tag;
        String viaEdge = "/e/" + size + "/" + tag;
        Client origin;
        try (Client c = Client.ask(originPort, direct)) {
            origin = c;
            c.drain();
        }
        try (Client leader = Client.ask(edgePort, viaEdge);
                Client follower = Client.ask(edgePort, viaEdge)) { // asked once the leader had its first byte
            leader.drain();
            follower.drain();
            return new Client[] {origin, leader, follower};
        }
    }

    /**
     * A raw HTTP/1.1 request; {@code ttfbMillis} from writing it to reading the first body byte; its ports and the
     * head's length find it in a {@link WireCapture}.
     */
    private static final class Client implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final long length;
        final double ttfbMillis;
        final int localPort;
        final int serverPort;
        final int headBytes;

        private Client(Socket socket, InputStream in, long length, double ttfbMillis, int headBytes) {
            this.socket = socket;
            this.in = in;
            this.length = length;
            this.ttfbMillis = ttfbMillis;
            this.localPort = socket.getLocalPort();
            this.serverPort = socket.getPort();
            this.headBytes = headBytes;
        }

        static Client ask(int port, String path) throws IOException {
            Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
            s.setTcpNoDelay(true);
            if (preconnectMs > 0) {
                // The server has accepted the connection and waits for its request, as for a client that kept
                // one open: the accept (Undertow's accept thread handing the connection to an IO thread, the
                // origin's virtual threads) is then not in the first byte.
                try {
                    Thread.sleep(preconnectMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            // Buffered: a read(2) per byte of the edge's longer head would be timed as the edge's first byte.
            InputStream in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            long start = System.nanoTime();
            s.getOutputStream().write(request);
            StringBuilder head = new StringBuilder();
            while (!headEnded(head)) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("no head from " + path);
                }
                head.append((char) c);
            }
            if (in.read() < 0) {
                throw new IOException("no body from " + path);
            }
            double ttfb = (System.nanoTime() - start) / 1e6;
            if (!head.toString().startsWith("HTTP/1.1 200 ")) { // a quick error page is not a first byte
                throw new IOException(path + " on port " + port + " answered " + head.toString().lines().findFirst()
                        .orElse(""));
            }
            long length = head.toString().lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                    .map(l -> Long.parseLong(l.substring(15).strip())).findFirst()
                    .orElseThrow(() -> new IOException("no Content-Length from " + path + ": " + head));
            return new Client(s, in, length, ttfb, head.length());
        }

        void drain() throws IOException {
            long left = length - 1;
            byte[] buffer = new byte[256 * 1024];
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException("body ended " + left + " bytes early");
                }
                left -= n;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * Serves {@code /<d|e|p>/<size>/<tag>}: the head and the first half at once, the second half {@code holdMs}
     * later.
     */
    private static final class HalfHoldingOrigin implements AutoCloseable {
        private final ServerSocket socket;
        private final int holdMs;
        private final byte[] body = new byte[64 * 1024 * 1024];

        HalfHoldingOrigin(int holdMs, int port) throws IOException {
            this.holdMs = holdMs;
            Arrays.fill(body, (byte) 'x');
            socket = new ServerSocket(port, 200, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket s) {
            try (s) {
                s.setTcpNoDelay(true);
                // Buffered: a read(2) per byte of the edge's request (Via, forwarding and trace fields) was
                // counted in the leader's first byte, not in the origin's own (a short direct request).
                InputStream in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
                for (String target; (target = readTarget(in)) != null; ) {
                    int size = Integer.parseInt(target.split("/")[2]);
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\nCache-Control: max-age=600\r\n"
                            + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, 0, size / 2);
                    out.flush();
                    if (target.contains("/" + WARM_BRIEFLY_HELD)) {
                        Thread.sleep(1);
                    } else if (!target.contains("/" + WARM_UNHELD)) {
                        Thread.sleep(holdMs); // the origin's second half is late: a miss must not wait for it
                    }
                    out.write(body, size / 2, size - size / 2);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the client went away
            }
        }

        private static String readTarget(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!headEnded(head)) {
                int c = in.read();
                if (c < 0) {
                    return null;
                }
                head.append((char) c);
            }
            return head.toString().split(" ")[1];
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static double pct(double[] values, int p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static String label(int size) {
        return size >= 1024 * 1024 ? size / (1024 * 1024) + " MiB" : size / 1024 + " KiB";
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }

    /** Whether {@code head} ends with the blank line that ends an HTTP head (checked per byte read: no copy). */
    static boolean headEnded(StringBuilder head) {
        int n = head.length();
        return n >= 4 && head.charAt(n - 4) == '\r' && head.charAt(n - 3) == '\n' && head.charAt(n - 2) == '\r'
                && head.charAt(n - 1) == '\n';
    }
}
