package dev.outpost.edge.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.ListenerLimits;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.edge.config.EdgeLimits;
import dev.outpost.testkit.BoundClients;
import dev.outpost.testkit.SlowReaders;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * Slow clients: hundreds of slowloris connections (a request head trickled a byte at a time) and slow readers (a
 * large answer never read) are cut off by {@code limits.requestParseTimeout} / {@code limits.idleTimeout}, and
 * {@code limits.maxConnections} bounds how many a listener holds, while normal requests keep being answered.
 *
 * <p>Normal requests are probes, each on a connection of its own and never timed. A pooled keep-alive connection
 * would race the edge's keep-alive timer: it starts when the edge has written an answer, not when the client has
 * read it, so a client still draining a 32 MiB answer from the kernel's buffers on a loaded machine came back after
 * {@code idleTimeout} by the edge's clock, and the edge closed the "idle" connection with the new request unread
 * (a reset, as RFC 9112 §9.3.1 allows a server to). That was the {@code Connection reset} this test used to fail
 * with under load. Waits that bound a broken edge are generous; no assertion depends on how fast a machine is.
 */
class SlowClientIT {
    private static final Duration PARSE = Duration.ofSeconds(1);
    private static final Duration IDLE = Duration.ofSeconds(3);
    /** The slowloris attacker's own address: the normal client (127.0.0.1) is another. */
    private static final String ATTACKER = "127.0.0.2";
    /** Only a broken edge holds a cut-off client this long. */
    private static final Duration NEVER = Duration.ofSeconds(30);

    private static UnaryOperator<EdgeConfig> limits(int maxConnections, Duration parse) {
        return c -> c.withLimits(EdgeLimits.of(new ListenerLimits(null, parse, IDLE, maxConnections, null, null, null)))
                .withCache(CacheConfig.ofSize(256L * 1024 * 1024, 64L * 1024 * 1024));
    }

    @Test
    void slowlorisConnectionsAreCutOffWhileNormalRequestsSucceed() throws Exception {
        try (EdgeFixture f = new EdgeFixture(limits(10_000, PARSE))) {
            f.enqueue(f.ok("normal", "max-age=600"));
            assertThat(probe(f, "/normal")).isEqualTo("200 MISS");
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 300; i++) {
                    // One attacker address, as in the wild: past limits.maxConnectionsPerClient (256) the edge
                    // closes its sockets at once; the rest fall to requestParseTimeout.
                    Socket s = BoundClients.connect(ATTACKER, f.edge.port());
                    write(s, "GET /slow/" + i + " HTTP/1.1\r\nHost: " + EdgeFixture.HOST + "\r\nX-A: ");
                    slow.add(s);
                }
                // Trickle one byte per open connection every 200 ms, with a normal request each round, until the
                // edge has cut every one of them (it must, however steadily they trickle).
                long deadline = System.nanoTime() + NEVER.toNanos();
                int rounds = 0;
                while (openCount(slow) > 0 && System.nanoTime() < deadline) {
                    for (Socket s : slow) {
                        tryWrite(s, "a");
                    }
                    assertThat(probe(f, "/normal")).isEqualTo("200 HIT");
                    Thread.sleep(200);
                    rounds++;
                }
                assertThat(openCount(slow)).as("slowloris connections still open after " + NEVER).isZero();
                assertThat(rounds).as("rounds of trickling before the last was cut").isPositive();
            } finally {
                closeAll(slow);
            }
            assertThat(f.origin.getRequestCount()).isEqualTo(1); // only /normal, once; no slow head was fetched
            assertThat(f.edge.store().keys()).containsExactly("assets/normal");
        }
    }

    @Test
    void slowReadersAreCutOffAfterTheIdleTimeout() throws Exception {
        int size = 32 * 1024 * 1024;
        try (EdgeFixture f = new EdgeFixture(limits(10_000, PARSE))) {
            f.enqueue(f.ok("z".repeat(size), "max-age=600"));
            assertThat(probe(f, "/huge")).isEqualTo("200 MISS");
            f.enqueue(f.ok("normal", "max-age=600"));
            assertThat(probe(f, "/normal")).isEqualTo("200 MISS");
            double hitsBefore = f.edge.metrics().requestCount(Outcome.HIT);
            List<Socket> readers = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    Socket s = new Socket();
                    s.setReceiveBufferSize(4096);
                    s.connect(new InetSocketAddress("127.0.0.1", f.edge.port()), 2000);
                    write(s, "GET /huge HTTP/1.1\r\nHost: " + EdgeFixture.HOST + "\r\n\r\n");
                    readers.add(s);
                }
                for (Socket s : readers) {
                    assertThat(statusLine(s)).isEqualTo("HTTP/1.1 200 OK"); // its answer started, then it stalls
                }
                for (int i = 0; i < 5; i++) {
                    assertThat(probe(f, "/normal")).isEqualTo("200 HIT");
                }
                // Every reader's answer was still unfinished when the probes were answered: served alongside them.
                // A probe is counted when its exchange completes on the edge, which may be just after its answer
                // reached us: wait for the five, then no more may have ended.
                long probesDeadline = System.nanoTime() + NEVER.toNanos();
                while (f.edge.metrics().requestCount(Outcome.HIT) - hitsBefore < 5
                        && System.nanoTime() < probesDeadline) {
                    Thread.sleep(10);
                }
                assertThat(f.edge.metrics().requestCount(Outcome.HIT) - hitsBefore).isEqualTo(5);
                // Reading now would be progress: wait, without reading, for the edge to end all 50 answers.
                long deadline = System.nanoTime() + NEVER.toNanos();
                while (f.edge.metrics().requestCount(Outcome.HIT) - hitsBefore < 55
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(f.edge.metrics().requestCount(Outcome.HIT) - hitsBefore).as("answers ended").isEqualTo(55);
                for (Socket s : readers) {
                    long got = SlowReaders.drainUntilClosed(s, NEVER, "edge");
                    assertThat(got).as("bytes a slow reader got before the edge gave up").isLessThan(size);
                }
            } finally {
                closeAll(readers);
            }
            assertThat(f.origin.getRequestCount()).isEqualTo(2);
            assertThat(f.edge.store().objects()).hasSize(2);
        }
    }

    @Test
    void aListenerHoldsAtMostMaxConnections() throws Exception {
        // A long parse timeout: the held connections must outlast the connecting and the impatient request.
        Duration parse = Duration.ofSeconds(5);
        try (EdgeFixture f = new EdgeFixture(limits(20, parse))) {
            f.enqueue(f.ok("normal", "max-age=600"));
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    Socket s = connect(f);
                    write(s, "GET /held HTTP/1.1\r\nHost: " + EdgeFixture.HOST + "\r\n");
                    slow.add(s);
                }
                Thread.sleep(100);
                OkHttpClient impatient = f.client.newBuilder().callTimeout(Duration.ofMillis(400)).build();
                Request request = new Request.Builder().url(f.edge.baseUri() + "/normal").header("Host",
                        EdgeFixture.HOST).build();
                boolean servedWhileFull;
                try (Response r = impatient.newCall(request).execute()) {
                    servedWhileFull = true;
                } catch (IOException expected) {
                    servedWhileFull = false;
                }
                assertThat(openCount(slow)).as("held connections when the 21st was tried").isEqualTo(20);
                assertThat(servedWhileFull).as("a 21st connection was served while 20 were held").isFalse();
                assertThat(closedWithin(slow, NEVER)).isEqualTo(slow.size());
                assertThat(probe(f, "/normal")).startsWith("200 "); // the impatient one may have fetched it meanwhile
            } finally {
                closeAll(slow);
            }
        }
    }

    /** A normal client's GET on a connection of its own, read whole: {@code "<status> <X-Cache>"}. */
    private static String probe(EdgeFixture f, String path) throws IOException {
        try (Response r = f.get(path, "Connection", "close")) {
            r.body().bytes();
            return r.code() + " " + r.header("X-Cache");
        }
    }

    private static Socket connect(EdgeFixture f) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", f.edge.port()), 2000);
        return s;
    }

    private static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static void tryWrite(Socket s, String text) {
        try {
            write(s, text);
        } catch (IOException closedByTheEdge) {
            // expected once the parse timeout has passed
        }
    }

    /** How many sockets the server closed (EOF or reset) before the deadline. */
    private static int closedWithin(List<Socket> sockets, Duration limit) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        int closed = 0;
        for (Socket s : sockets) {
            s.setSoTimeout(50);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[1024];
            while (System.nanoTime() < deadline) {
                try {
                    if (in.read(buf) < 0) {
                        closed++;
                        break;
                    }
                } catch (SocketTimeoutException stillOpen) {
                    // poll again
                } catch (IOException reset) {
                    closed++;
                    break;
                }
            }
        }
        return closed;
    }

    /** The sockets the server has not closed (no EOF or reset readable right now). */
    private static int openCount(List<Socket> sockets) throws IOException {
        int open = 0;
        for (Socket s : sockets) {
            if (s.isClosed()) {
                continue;
            }
            if (closedByPeer(s)) {
                // Closed here too, so it stays counted as cut: after a reset a second read may time out instead of
                // failing again, which counted a cut connection as open (a flake under load).
                s.close();
            } else {
                open++;
            }
        }
        return open;
    }

    private static boolean closedByPeer(Socket s) throws IOException {
        s.setSoTimeout(1);
        try {
            return s.getInputStream().read(new byte[1024]) < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** Reads the first line of the answer (the status line), byte by byte. */
    private static String statusLine(Socket s) throws IOException {
        s.setSoTimeout((int) NEVER.toMillis());
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            line.append((char) c);
        }
        return line.toString().strip();
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
