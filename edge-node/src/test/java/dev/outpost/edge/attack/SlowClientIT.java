package dev.outpost.edge.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.BoundClients;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.EdgeLimits;
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
import dev.outpost.edge.config.EdgeConfig;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * Slow clients: hundreds of slowloris connections (a request head trickled a byte at a time) and slow readers (a
 * large answer never read) are cut off by {@code limits.requestParseTimeout} / {@code limits.idleTimeout}, and
 * {@code limits.maxConnections} bounds how many a listener holds, while normal requests keep succeeding quickly.
 */
class SlowClientIT {
    private static final Duration PARSE = Duration.ofSeconds(1);
    private static final Duration IDLE = Duration.ofSeconds(2);
    private static final Duration NORMAL_BOUND = Duration.ofSeconds(1);
    private static final String ATTACKER = "127.0.0.2";

    private static UnaryOperator<EdgeConfig> limits(int maxConnections) {
        return c -> c.withLimits(new EdgeLimits(null, PARSE, IDLE, maxConnections, null, null, null, null))
                .withCache(CacheConfig.ofSize(256L * 1024 * 1024, 64L * 1024 * 1024));
    }

    @Test
    void slowlorisConnectionsAreCutOffWhileNormalRequestsSucceed() throws Exception {
        try (EdgeFixture f = new EdgeFixture(limits(10_000))) {
            f.enqueue(f.ok("normal", "max-age=600"));
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 300; i++) {
                    // One attacker address, as in the wild: past limits.maxConnectionsPerClient (256) the edge
                    // closes its sockets at once; the rest fall to requestParseTimeout. The normal client is another.
                    Socket s = BoundClients.connect(ATTACKER, f.edge.port());
                    write(s, "GET /slow/" + i + " HTTP/1.1\r\nHost: " + EdgeFixture.HOST + "\r\nX-A: ");
                    slow.add(s);
                }
                long start = System.nanoTime();
                int round = 0;
                // Trickle one byte per connection every 200 ms, and keep normal requests going meanwhile.
                // At least six rounds whatever the machine's load, and on past the parse timeout.
                while (round < 6 || Duration.ofNanos(System.nanoTime() - start).compareTo(PARSE.plusMillis(1500)) < 0) {
                    for (Socket s : slow) {
                        tryWrite(s, "a");
                    }
                    assertNormalRequestSucceedsQuickly(f, "/normal");
                    Thread.sleep(200);
                    round++;
                }
                assertThat(round).isGreaterThan(5);
                assertThat(closedWithin(slow, Duration.ofSeconds(3))).isEqualTo(slow.size());
            } finally {
                closeAll(slow);
            }
            assertThat(f.origin.getRequestCount()).isEqualTo(1); // only /normal, once; no slow head was fetched
            assertThat(f.edge.store().keys()).containsExactly("http://assets.test/normal");
        }
    }

    @Test
    void slowReadersAreCutOffAfterTheIdleTimeout() throws Exception {
        int size = 32 * 1024 * 1024;
        try (EdgeFixture f = new EdgeFixture(limits(10_000))) {
            f.enqueue(f.ok("z".repeat(size), "max-age=600"));
            assertThat(f.fetch("/huge").code()).isEqualTo(200);
            f.enqueue(f.ok("normal", "max-age=600"));
            List<Socket> readers = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    Socket s = new Socket();
                    s.setReceiveBufferSize(4096);
                    s.connect(new InetSocketAddress("127.0.0.1", f.edge.port()), 2000);
                    write(s, "GET /huge HTTP/1.1\r\nHost: " + EdgeFixture.HOST + "\r\n\r\n");
                    readers.add(s);
                }
                long start = System.nanoTime();
                while (Duration.ofNanos(System.nanoTime() - start).compareTo(IDLE.multipliedBy(2).plusMillis(500)) < 0) {
                    assertNormalRequestSucceedsQuickly(f, "/normal");
                    Thread.sleep(200);
                }
                for (Socket s : readers) {
                    long got = drain(s, Duration.ofSeconds(3));
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
        try (EdgeFixture f = new EdgeFixture(limits(20))) {
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
                assertThat(servedWhileFull).as("a 21st connection was served while 20 were held").isFalse();
                assertThat(closedWithin(slow, PARSE.plusSeconds(3))).isEqualTo(slow.size());
                assertNormalRequestSucceedsQuickly(f, "/normal");
            } finally {
                closeAll(slow);
            }
        }
    }

    private static void assertNormalRequestSucceedsQuickly(EdgeFixture f, String path) throws IOException {
        long start = System.nanoTime();
        EdgeFixture.Answer a = f.fetch(path);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(a.code()).isEqualTo(200);
        assertThat(took).isLessThan(NORMAL_BOUND);
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

    /** Reads until EOF/reset; fails if the server keeps the connection open past {@code limit}. */
    private static long drain(Socket s, Duration limit) throws IOException {
        s.setSoTimeout((int) limit.toMillis());
        InputStream in = s.getInputStream();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the edge kept a slow reader's connection open; got " + total + " bytes", e);
        } catch (IOException reset) {
            // closed by the edge
        }
        return total;
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
