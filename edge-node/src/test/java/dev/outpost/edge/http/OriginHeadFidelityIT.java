package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.EdgeFixture;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import okhttp3.Headers;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the origin's head says reaches the cache and the client as the origin wrote it, on whichever path the miss
 * takes (the IO thread's client by default, the blocking one with {@code -Doutpost.fetchOnIoThread=false}): field
 * values keep their inner spaces and tabs (Undertow's client parser turns a run of them into one space, which made
 * a valid asctime {@code Expires} unreadable and an invalid IMF-fixdate valid); a 204 has no body whether or not it
 * says {@code Content-Length} (RFC 9112 §6.3), so it is stored like any answer; and a request with
 * {@code Cache-Control: only-if-cached} gets a stored answer or a 504, never a trip to the origin (RFC 9111
 * §5.2.1.7). Values with UTF-8 bytes reach the client as those bytes on both paths (the blocking client decodes
 * them as UTF-8, Undertow writes ISO-8859-1). Found by the cache-tests.fyi suite ({@code freshness-expires-ansi-c},
 * {@code freshness-expires-invalid-multiple-spaces}, {@code status-204-fresh}, {@code ccreq-oic}).
 */
class OriginHeadFidelityIT {
    private final Map<String, Integer> originRequests = new ConcurrentHashMap<>();
    private RawOrigin origin;
    private EdgeFixture f;

    /** Answers each path with a fixed head (and the body its Content-Length says), then closes the connection. */
    private final class RawOrigin implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        private final Thread acceptor;
        private volatile String date = "";

        RawOrigin() throws IOException {
            acceptor = Thread.ofPlatform().daemon().name("raw-origin").start(() -> {
                while (!socket.isClosed()) {
                    try (Socket c = socket.accept()) {
                        String path = requestPath(c.getInputStream());
                        if (path == null) {
                            continue;
                        }
                        originRequests.merge(path, 1, Integer::sum);
                        c.getOutputStream().write(answer(path).getBytes(StandardCharsets.ISO_8859_1));
                        c.getOutputStream().flush();
                    } catch (IOException e) {
                        // the socket closed (the test ended), or the edge went away
                    }
                }
            });
        }

        private String answer(String path) {
            String dated = "Date: " + date + "\r\nConnection: close\r\n";
            return switch (path) {
                case "/spaced" -> "HTTP/1.1 200 OK\r\n" + dated + "Cache-Control: max-age=600\r\n"
                        + "X-Two: a  b\r\nX-Tab: a\tb\r\nX-Around:   padded \t \r\nContent-Length: 2\r\n\r\nok";
                case "/asctime" -> "HTTP/1.1 200 OK\r\n" + dated + "Expires: Thu Aug  8 02:01:18 2050\r\n"
                        + "Content-Length: 2\r\n\r\nok";
                case "/expires-spaced" -> "HTTP/1.1 200 OK\r\n" + dated
                        + "Expires: Thu, 18  Aug  2050 02:01:18 GMT\r\nContent-Length: 2\r\n\r\nok";
                // UTF-8 bytes written one char per byte: C3 A9 is é
                case "/utf8" -> "HTTP/1.1 200 OK\r\n" + dated + "Cache-Control: max-age=600\r\n"
                        + "Content-Disposition: attachment; filename=\"caf\u00c3\u00a9.pdf\"\r\n"
                        + "ETag: \"abc\u00c3\u00bc\"\r\nContent-Length: 2\r\n\r\nok";
                case "/no-content" -> "HTTP/1.1 204 No Content\r\n" + dated + "Cache-Control: max-age=600\r\n\r\n";
                default -> "HTTP/1.1 200 OK\r\n" + dated + "Cache-Control: max-age=600\r\nContent-Length: 2\r\n\r\nok";
            };
        }

        private static String requestPath(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.append((char) b);
            }
            return head.toString().split(" ", 3)[1];
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        @Override
        public void close() throws Exception {
            socket.close();
            acceptor.join(5_000);
        }
    }

    @BeforeEach
    void start() throws IOException {
        origin = new RawOrigin();
        f = new EdgeFixture(UnaryOperator.identity(), List.of(origin.uri()));
        origin.date = HttpDates.format(f.clock.instant());
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
        origin.close();
    }

    @Test
    void fieldValuesKeepTheirInnerSpacesAndTabsOnTheMissAndFromTheStore() throws IOException {
        for (String expected : List.of("MISS", "HIT")) {
            try (Response r = f.get("/spaced")) {
                assertThat(r.header("X-Cache")).isEqualTo(expected);
                assertThat(r.header("X-Two")).isEqualTo("a  b");
                assertThat(r.header("X-Tab")).isEqualTo("a\tb");
                assertThat(r.header("X-Around")).as("only the whitespace around a value goes").isEqualTo("padded");
            }
        }
        assertThat(originRequests).containsEntry("/spaced", 1);
    }

    @Test
    void fieldValuesWithUtf8BytesReachTheClientAsTheOriginSentThem() throws IOException {
        for (String expected : List.of("MISS", "HIT")) {
            try (Response r = f.get("/utf8")) {
                assertThat(r.header("X-Cache")).isEqualTo(expected);
                // the test's client reads fields as UTF-8: the origin's bytes give back é and ü
                assertThat(r.header("Content-Disposition")).isEqualTo("attachment; filename=\"caf\u00e9.pdf\"");
                assertThat(r.header("ETag")).isEqualTo("\"abc\u00fc\"");
            }
        }
        // the client's If-None-Match in the same bytes (OkHttp writes UTF-8) matches the stored ETag
        Request conditional = new Request.Builder().url(f.edge.baseUri() + "/utf8").headers(new Headers.Builder()
                .add("Host", EdgeFixture.HOST).addUnsafeNonAscii("If-None-Match", "\"abc\u00fc\"").build()).build();
        try (Response r = f.client.newCall(conditional).execute()) {
            assertThat(r.code()).isEqualTo(304);
        }
        assertThat(originRequests).containsEntry("/utf8", 1);
    }

    @Test
    void anAsctimeExpiresWithItsDoubleSpaceMakesTheAnswerFresh() throws IOException {
        try (Response miss = f.get("/asctime")) {
            assertThat(miss.header("Expires")).isEqualTo("Thu Aug  8 02:01:18 2050");
        }
        try (Response hit = f.get("/asctime")) {
            assertThat(hit.header("X-Cache")).isEqualTo("HIT");
        }
        assertThat(originRequests).containsEntry("/asctime", 1);
    }

    @Test
    void anImfFixdateWithDoubledSpacesIsNoDateSoTheAnswerIsStale() throws IOException {
        for (int i = 0; i < 2; i++) {
            try (Response r = f.get("/expires-spaced")) {
                assertThat(r.header("X-Cache")).isNotEqualTo("HIT");
                assertThat(r.header("Expires")).isEqualTo("Thu, 18  Aug  2050 02:01:18 GMT");
            }
        }
        assertThat(originRequests).containsEntry("/expires-spaced", 2);
    }

    @Test
    void a204WithoutContentLengthIsStoredAndServed() throws IOException {
        for (String expected : List.of("MISS", "HIT")) {
            try (Response r = f.get("/no-content")) {
                assertThat(r.code()).isEqualTo(204);
                assertThat(r.header("X-Cache")).isEqualTo(expected);
                assertThat(r.body().bytes()).isEmpty();
            }
        }
        assertThat(originRequests).containsEntry("/no-content", 1);
    }

    /**
     * A GET with this {@code Cache-Control}, added by a network interceptor: OkHttp answers {@code only-if-cached}
     * itself (a 504 of its own) when the header is set on the request, as it has no cache here.
     */
    private Response withCacheControl(String path, String cacheControl) throws IOException {
        OkHttpClient client = f.client.newBuilder().addNetworkInterceptor(chain -> chain.proceed(chain.request()
                .newBuilder().header("Cache-Control", cacheControl).build())).build();
        return client.newCall(new Request.Builder().url(f.edge.baseUri() + path).header("Host", EdgeFixture.HOST)
                .build()).execute();
    }

    @Test
    void onlyIfCachedGetsTheStoredAnswerOrA504AndNeverReachesTheOrigin() throws IOException {
        try (Response none = withCacheControl("/oic", "only-if-cached")) {
            assertThat(none.code()).isEqualTo(504);
            assertThat(none.header("Cache-Status")).isEqualTo("Outpost; fwd=miss; detail=only-if-cached");
            assertThat(none.body().string()).contains("\"only_if_cached\"");
        }
        assertThat(originRequests).doesNotContainKey("/oic");
        try (Response miss = f.get("/oic")) {
            assertThat(miss.header("X-Cache")).isEqualTo("MISS");
        }
        try (Response hit = withCacheControl("/oic", "max-age=0, only-if-cached")) {
            assertThat(hit.code()).isEqualTo(200);
            assertThat(hit.header("X-Cache")).isEqualTo("HIT");
        }
        f.clock.advance(java.time.Duration.ofMinutes(11)); // stale now: it would be revalidated
        try (Response stale = withCacheControl("/oic", "only-if-cached")) {
            assertThat(stale.code()).isEqualTo(504);
            assertThat(stale.header("Cache-Status")).isEqualTo("Outpost; fwd=stale; detail=only-if-cached");
        }
        assertThat(originRequests).containsEntry("/oic", 1);
    }
}
