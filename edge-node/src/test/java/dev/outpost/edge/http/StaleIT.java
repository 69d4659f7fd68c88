package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.OriginTimeouts;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;

class StaleIT {
    private static String storedBody(EdgeFixture f, String path) {
        return f.edge.store().lookup(EdgeFixture.key(path), Fields.empty())
                .map(o -> java.nio.charset.StandardCharsets.UTF_8.decode(o.body()).toString()).orElse("<none>");
    }

    @Test
    void staleWhileRevalidateServesStaleAtOnceAndRefreshesExactlyOnce() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            f.origin.setDispatcher(new mockwebserver3.Dispatcher() {
                private final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

                @Override
                public MockResponse dispatch(mockwebserver3.RecordedRequest request) throws InterruptedException {
                    if (calls.incrementAndGet() == 1) {
                        return f.ok("v1", "max-age=10, stale-while-revalidate=60").build();
                    }
                    release.await(5, TimeUnit.SECONDS); // the refresh stays in flight while clients keep coming
                    return f.ok("v2", "max-age=10, stale-while-revalidate=60").build();
                }
            });
            f.fetch("/swr");
            f.clock.advance(Duration.ofSeconds(15));
            for (int i = 0; i < 5; i++) {
                Answer stale = f.fetch("/swr");
                assertThat(stale.body()).isEqualTo("v1");
                assertThat(stale.xCache()).isEqualTo("STALE");
                assertThat(stale.header("Age")).isEqualTo("15");
                assertThat(stale.header("Cache-Status")).contains("detail=stale-while-revalidate");
            }
            // one refresh in flight for five stale answers; it reaches the origin on a background thread
            await().atMost(Duration.ofSeconds(5)).until(() -> f.origin.getRequestCount() == 2);
            release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> storedBody(f, "/swr").equals("v2"));
            assertThat(f.fetch("/swr").xCache()).isEqualTo("HIT");
            assertThat(f.origin.getRequestCount()).isEqualTo(2);
        }
    }

    @Test
    void staleIfErrorServesStaleOnOrigin5xxAndNeverOverwritesTheGoodObject() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("good", "max-age=10, stale-if-error=60"));
            f.fetch("/e");
            f.clock.advance(Duration.ofSeconds(20));
            f.enqueue(new MockResponse.Builder().code(503).body("down"));
            Answer stale = f.fetch("/e");
            assertThat(stale.code()).isEqualTo(200);
            assertThat(stale.body()).isEqualTo("good");
            assertThat(stale.xCache()).isEqualTo("STALE");
            assertThat(stale.header("Cache-Status")).isEqualTo("Outpost; fwd=stale; fwd-status=503");
            assertThat(stale.header("Age")).isEqualTo("20");
            assertThat(storedBody(f, "/e")).isEqualTo("good"); // a failed refresh never evicts the stale copy

            f.clock.advance(Duration.ofSeconds(60)); // past the stale-if-error window
            f.enqueue(new MockResponse.Builder().code(503).body("down"));
            Answer error = f.fetch("/e");
            assertThat(error.code()).isEqualTo(503);
            assertThat(storedBody(f, "/e")).isEqualTo("good");
        }
    }

    @Test
    void aNoCacheResponseIsNeverServedWithoutValidationNotEvenWhenTheOriginFails() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("validate me", "max-age=10, no-cache").setHeader("ETag", "\"v1\""));
            f.fetch("/no-cache");
            f.clock.advance(Duration.ofSeconds(20)); // well within the default stale-if-error window
            f.enqueue(new MockResponse.Builder().code(503).body("down"));
            Answer error = f.fetch("/no-cache");
            assertThat(error.code()).isEqualTo(503);
            assertThat(error.body()).isEqualTo("down");
            assertThat(error.xCache()).isNotEqualTo("STALE");
            assertThat(storedBody(f, "/no-cache")).isEqualTo("validate me"); // kept for the next validation
        }
    }

    @Test
    void originStoppedCachedUrlsAreServedStaleAndUncachedUrlsFailFastWithJson() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("cached", "max-age=10"));
            f.fetch("/cached");
            f.origin.close();
            f.clock.advance(Duration.ofSeconds(30)); // stale; default staleIfError is 5 min
            Answer stale = f.fetch("/cached");
            assertThat(stale.code()).isEqualTo(200);
            assertThat(stale.body()).isEqualTo("cached");
            assertThat(stale.xCache()).isEqualTo("STALE");
            assertThat(stale.header("Cache-Status")).isEqualTo("Outpost; fwd=stale; detail=origin-unreachable");
            long start = System.nanoTime();
            Answer miss = f.fetch("/never-cached");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(miss.code()).isEqualTo(502);
            assertThat(miss.header("Content-Type")).isEqualTo("application/json");
            assertThat(miss.body()).contains("\"error\":\"origin_unreachable\"");
        }
    }

    @Test
    void passedThroughRequestsToAStoppedOriginFailWithJsonThatDoesNotNameTheOrigin() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            String originPort = String.valueOf(f.origin.getPort());
            f.origin.close();
            try (okhttp3.Response post = f.call("POST", "/form", okhttp3.RequestBody.create("a=1",
                    okhttp3.MediaType.get("application/x-www-form-urlencoded")))) {
                String body = post.body().string();
                assertThat(post.code()).isEqualTo(502);
                assertThat(body).contains("\"error\":\"origin_unreachable\"")
                        .doesNotContain(originPort).doesNotContain("127.0.0.1");
                assertThat(post.header("Cache-Status")).isEqualTo("Outpost; fwd=method; detail=origin-unreachable");
            }
        }
    }

    @Test
    void staleIsServedWhenTheOriginTimesOutAndMissesGet504() throws Exception {
        try (EdgeFixture f = new EdgeFixture(c -> c.withOrigin(
                new OriginTimeouts(Duration.ofMillis(500), Duration.ofMillis(300), Duration.ofSeconds(2), null, null,
                        null)))) {
            f.enqueue(f.ok("cached", "max-age=10"));
            f.fetch("/slow");
            f.clock.advance(Duration.ofSeconds(30));
            f.enqueue(f.ok("late", "max-age=10").headersDelay(2, TimeUnit.SECONDS));
            Answer stale = f.fetch("/slow");
            assertThat(stale.body()).isEqualTo("cached");
            assertThat(stale.xCache()).isEqualTo("STALE");
            f.enqueue(f.ok("late", "max-age=10").headersDelay(2, TimeUnit.SECONDS));
            Answer miss = f.fetch("/uncached-slow");
            assertThat(miss.code()).isEqualTo(504);
            assertThat(miss.body()).contains("\"error\":\"origin_timeout\"");
        }
    }

    @Test
    void refusedConnectionFailsOverToTheBackupOrigin() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        try (EdgeFixture f = new EdgeFixture(c -> c, List.of(URI.create("http://127.0.0.1:" + closedPort)))) {
            f.enqueue(f.ok("from backup", "max-age=60"));
            Answer a = f.fetch("/fo");
            assertThat(a.code()).isEqualTo(200);
            assertThat(a.body()).isEqualTo("from backup");
        }
    }

    @Test
    void serverErrorFromThePrimaryFailsOverToTheBackupOrigin() throws Exception {
        try (MockWebServer primary = new MockWebServer()) {
            primary.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
            primary.enqueue(new MockResponse.Builder().code(500).body("broken").build());
            try (EdgeFixture f = new EdgeFixture(c -> c,
                    List.of(URI.create("http://127.0.0.1:" + primary.getPort())))) {
                f.enqueue(f.ok("from backup", "max-age=60"));
                assertThat(f.fetch("/fo5").body()).isEqualTo("from backup");
                assertThat(primary.getRequestCount()).isEqualTo(1);
            }
        }
    }
}
