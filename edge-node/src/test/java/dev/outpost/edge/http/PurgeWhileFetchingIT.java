package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.cache.Fields;
import dev.outpost.common.wire.EdgePurge;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A purge that completes while an origin answer is still on its way is never undone by that answer: the answer is
 * not stored (hard purge) or stored already stale (soft purge), and requests arriving after the purge do not wait
 * for the old fetch. The origin holds its first answer in the middle of the body until the test lets it go.
 */
class PurgeWhileFetchingIT {
    private static final String PATH = "/app.js";

    @Test
    void aPurgeWhileTheAnswerIsStillArrivingKeepsItOutOfTheStore() throws Exception {
        try (HeldOrigin origin = new HeldOrigin(); EdgeFixture f = edgeIn(origin)) {
            CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> fetch(f, PATH));
            origin.awaitHalfSent();
            purge(f, new EdgePurge(List.of("http://" + EdgeFixture.HOST + PATH), null, null, null, null, null));
            origin.release();
            Answer during = first.get(10, TimeUnit.SECONDS);
            assertThat(version(during)).isEqualTo("v1");
            // Its head went out before the purge ran (the body is relayed as it arrives), so it cannot say so.
            assertThat(f.edge.store().lookup(EdgeFixture.key(PATH), Fields.empty())).isEmpty();
            assertThat(f.edge.store().refusedAfterPurge()).isEqualTo(1);
            assertThat(f.fetch("/_edge/metrics").body()).as("exported to operators")
                    .contains("edge_store_purged_while_fetching_total 1.0");

            Answer after = fetch(f, PATH);
            assertThat(after.xCache()).isEqualTo("MISS");
            assertThat(version(after)).isEqualTo("v2");
            assertThat(fetch(f, PATH).xCache()).isEqualTo("HIT");
            assertThat(origin.requests.get()).isEqualTo(2);
        }
    }

    @Test
    void aRequestArrivingAfterThePurgeDoesNotWaitForTheFetchThatBeganBeforeIt() throws Exception {
        try (HeldOrigin origin = new HeldOrigin(); EdgeFixture f = edgeIn(origin)) {
            CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> fetch(f, PATH));
            origin.awaitHalfSent();
            purge(f, new EdgePurge(null, List.of("http://" + EdgeFixture.HOST + "/"), null, null, null, null));
            // The first answer is still held by the origin: this one must fetch for itself and get the new version.
            Answer second = fetch(f, PATH);
            assertThat(version(second)).isEqualTo("v2");
            assertThat(second.xCache()).isEqualTo("MISS");
            assertThat(first).isNotDone();
            origin.release();
            assertThat(version(first.get(10, TimeUnit.SECONDS))).isEqualTo("v1");
            assertThat(version(fetch(f, PATH))).as("the old answer never replaced the new one").isEqualTo("v2");
        }
    }

    @Test
    void aTagPurgeDuringTheFetchKeepsOutTheAnswerCarryingTheTag() throws Exception {
        try (HeldOrigin origin = new HeldOrigin(); EdgeFixture f = edgeIn(origin)) {
            CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> fetch(f, PATH));
            origin.awaitHalfSent();
            purge(f, new EdgePurge(null, null, List.of("scripts"), null, null, null));
            origin.release();
            first.get(10, TimeUnit.SECONDS);
            assertThat(f.edge.store().lookup(EdgeFixture.key(PATH), Fields.empty())).isEmpty();
            assertThat(version(fetch(f, PATH))).isEqualTo("v2");
        }
    }

    @Test
    void aSoftPurgeDuringTheFetchStoresTheAnswerStaleSoTheNextRequestRevalidates() throws Exception {
        try (HeldOrigin origin = new HeldOrigin(); EdgeFixture f = edgeIn(origin)) {
            CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> fetch(f, PATH));
            origin.awaitHalfSent();
            purge(f, new EdgePurge(List.of("http://" + EdgeFixture.HOST + PATH), null, null, null, null, true));
            origin.release();
            first.get(10, TimeUnit.SECONDS);
            assertThat(f.edge.store().lookup(EdgeFixture.key(PATH), Fields.empty())).get()
                    .satisfies(o -> assertThat(o.invalidated()).isTrue());
            Answer next = fetch(f, PATH);
            assertThat(version(next)).isEqualTo("v2");
            assertThat(origin.requests.get()).isEqualTo(2);
            assertThat(origin.conditional.peek()).as("the stale copy was revalidated with its validator")
                    .isEqualTo("\"v1\"");
        }
    }

    /** The version an answer carries ("v1"...), and that its body is whole: never the body itself in a message. */
    private static String version(Answer answer) {
        String body = answer.body();
        String version = body.substring(0, Math.max(0, body.indexOf('-')));
        assertThat(body.equals(HeldOrigin.body(version))).as("a whole body of %s (%d bytes)", version, body.length())
                .isTrue();
        return version;
    }

    private static EdgeFixture edgeIn(HeldOrigin origin) throws IOException {
        return new EdgeFixture(UnaryOperator.identity(), List.of(origin.uri()));
    }

    private static void purge(EdgeFixture f, EdgePurge request) {
        f.edge.purger().purge(request);
    }

    private static Answer fetch(EdgeFixture f, String path) {
        try {
            return f.fetch(path);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A raw-socket origin: answer n carries version v{n}, {@code Surrogate-Key: scripts}, an ETag and a long max-age;
     * the first answer stops after half its body until {@link #release}. A conditional request naming the current
     * ETag gets 304... except that each request moves to the next version, so a revalidation gets the new one.
     */
    static final class HeldOrigin implements AutoCloseable {
        private static final int BODY_BYTES = 64 * 1024;
        private final ServerSocket socket;
        private final CountDownLatch halfSent = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger requests = new AtomicInteger();
        final ConcurrentLinkedQueue<String> conditional = new ConcurrentLinkedQueue<>();

        HeldOrigin() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
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

        static String body(String version) {
            return (version + "-").repeat(BODY_BYTES / (version.length() + 1) + 1).substring(0, BODY_BYTES);
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    int n = requests.incrementAndGet();
                    head.lines().filter(l -> l.toLowerCase().startsWith("if-none-match:"))
                            .forEach(l -> conditional.add(l.substring(l.indexOf(':') + 1).trim()));
                    byte[] body = body("v" + n).getBytes(StandardCharsets.US_ASCII);
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n"
                            + "Cache-Control: public, max-age=3600\r\nETag: \"v" + n + "\"\r\n"
                            + "Surrogate-Key: scripts\r\nDate: " + HttpDates.format(Instant.now()) + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    if (n == 1) {
                        out.write(body, 0, body.length / 2);
                        out.flush();
                        halfSent.countDown();
                        release.await(20, TimeUnit.SECONDS);
                        out.write(body, body.length / 2, body.length - body.length / 2);
                    } else {
                        out.write(body);
                    }
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // connection closed by the edge or the test
            }
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int state = 0;
            while (state < 4) {
                int c = in.read();
                if (c < 0) {
                    return null;
                }
                head.append((char) c);
                state = (c == '\r' && state % 2 == 0) || (c == '\n' && state % 2 == 1) ? state + 1 : 0;
            }
            return head.toString();
        }

        void awaitHalfSent() throws InterruptedException {
            assertThat(halfSent.await(10, TimeUnit.SECONDS)).as("the origin began its first answer").isTrue();
        }

        void release() {
            release.countDown();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            release.countDown();
            socket.close();
        }
    }
}
