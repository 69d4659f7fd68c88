package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.json.Json;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.edge.config.OriginBreaker;
import dev.outpost.edge.config.OriginTimeouts;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.Scrape;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Origin health on the edge (issue 17): a circuit breaker per origin. The origin timeouts here are 30 s and the
 * client gives up after 10 s, so an answer that comes back at all proves the edge did not wait for the origin.
 */
class OriginHealthIT {
    /** Longer than the client waits: an edge that asked a hanging origin would make the client time out. */
    private static final Duration ORIGIN_TIMEOUT = Duration.ofSeconds(30);

    private final OkHttpClient impatient = new OkHttpClient.Builder().retryOnConnectionFailure(false)
            .callTimeout(Duration.ofSeconds(10)).build();

    private static UnaryOperator<EdgeConfig> breaker(OriginBreaker breaker) {
        return c -> c.withOrigin(new OriginTimeouts(ORIGIN_TIMEOUT, ORIGIN_TIMEOUT, ORIGIN_TIMEOUT, null, null, null,
                breaker));
    }

    private HttpReply get(EdgeFixture f, String path) {
        return HttpReply.call(impatient, new Request.Builder().url(f.edge.baseUri() + path)
                .header("Host", EdgeFixture.HOST).build());
    }

    private static JsonNode origins(EdgeFixture f) {
        return HttpReply.call(f.client, new Request.Builder().url(f.admin() + "/_edge/origins")
                .header("Authorization", "Bearer " + EdgeFixture.ADMIN_TOKEN).build()).json().get("origins");
    }

    private static JsonNode origin(EdgeFixture f, URI url) {
        for (JsonNode o : origins(f)) {
            if (o.get("origin").asString().equals(url.toString())) {
                return o;
            }
        }
        throw new AssertionError("/_edge/origins does not list " + url + ": " + origins(f));
    }

    @Test
    void whileTheCircuitIsOpenAStaleCopyAnswersAtOnceAndAMissFailsFastWithoutAskingTheOrigin() throws Exception {
        OriginBreaker threeFailures = OriginBreaker.of(3, Duration.ofHours(1), Duration.ofHours(1));
        ManualClockHolder clock = new ManualClockHolder();
        try (SwitchableOrigin primary = new SwitchableOrigin(clock::now);
                EdgeFixture f = clock.set(new EdgeFixture(breaker(threeFailures), List.of(primary.uri())))) {
            assertThat(get(f, "/page").status()).isEqualTo(200);
            f.clock.advance(Duration.ofSeconds(20)); // stale now, and stale-if-error for an hour

            primary.mode(SwitchableOrigin.Mode.FAIL);
            f.origin.close(); // the backup is stopped too: every origin of the service fails
            for (int i = 0; i < 3; i++) {
                HttpReply stale = get(f, "/page");
                assertThat(stale.status()).isEqualTo(200);
                assertThat(stale.header("Cache-Status")).contains("fwd=stale");
            }
            assertThat(origin(f, primary.uri()).get("state").asString()).isEqualTo("open");

            primary.mode(SwitchableOrigin.Mode.HANG); // asking it now would take the whole 30 s origin timeout
            int asked = primary.gets.get();
            for (int i = 0; i < 5; i++) {
                HttpReply stale = get(f, "/page");
                assertThat(stale.status()).isEqualTo(200);
                assertThat(stale.body()).isEqualTo("body of /page");
                assertThat(stale.header("X-Cache")).isEqualTo("STALE");
                assertThat(stale.header("Cache-Status")).contains("detail=origin-down");
            }
            HttpReply miss = get(f, "/never-fetched");
            assertThat(miss.status()).isEqualTo(503);
            assertThat(miss.error()).isEqualTo("origin_down");
            assertThat(miss.header("Retry-After")).isNotNull();
            HttpReply post = HttpReply.call(impatient, new Request.Builder().url(f.edge.baseUri() + "/form")
                    .header("Host", EdgeFixture.HOST)
                    .post(RequestBody.create("a=1", MediaType.get("application/x-www-form-urlencoded"))).build());
            assertThat(post.status()).isEqualTo(503);
            assertThat(post.error()).isEqualTo("origin_down");

            assertThat(primary.gets.get()).as("no request reached the origin while its circuit was open")
                    .isEqualTo(asked);
            assertThat(primary.hung.get()).isZero();
            JsonNode state = origin(f, primary.uri());
            assertThat(state.get("opened").asLong()).isEqualTo(1);
            assertThat(state.get("shortCircuited").asLong()).isEqualTo(7);
            assertThat(state.get("services").get(0).asString()).isEqualTo(EdgeFixture.SERVICE);
            Scrape scrape = Scrape.of(f.client, URI.create(f.admin() + "/_edge/metrics"));
            assertThat(scrape.value("edge_origin_circuit_state", "service", EdgeFixture.SERVICE, "origin", "1"))
                    .isEqualTo(1);
            assertThat(scrape.value("edge_origin_circuit_opened_total", "service", EdgeFixture.SERVICE,
                    "origin", "1")).isEqualTo(1);
            assertThat(scrape.value("edge_origin_circuit_short_circuited_total", "service", EdgeFixture.SERVICE,
                    "origin", "1")).isEqualTo(7);
            JsonNode health = HttpReply.call(f.client, new Request.Builder().url(f.edge.baseUri() + "/_edge/health")
                    .build()).json();
            assertThat(health.get("originsDown").asInt()).isEqualTo(2);
            assertThat(health.toString()).as("the public health answer names no origin")
                    .doesNotContain(primary.uri().toString());
        }
    }

    @Test
    void aStoppedOriginOpensItsCircuitAndAProbeClosesItWhenTheOriginIsBack() throws Exception {
        OriginBreaker quickProbes = new OriginBreaker(true, 2, Duration.ofMillis(50), Duration.ofMillis(200),
                "/healthz?from=edge");
        try (EdgeFixture f = new EdgeFixture(breaker(quickProbes))) {
            URI url = URI.create("http://127.0.0.1:" + f.origin.getPort());
            int port = f.origin.getPort();
            f.origin.close(); // stopped: connections are refused
            assertThat(get(f, "/a").status()).isEqualTo(502);
            assertThat(get(f, "/a").status()).isEqualTo(502);
            HttpReply fast = get(f, "/a");
            assertThat(fast.status()).isEqualTo(503);
            assertThat(fast.error()).isEqualTo("origin_down");
            assertThat(origin(f, url).get("lastFailure").asString()).isNotEmpty();
            // probes keep failing in the background while it stays down, one at a time
            await().atMost(Duration.ofSeconds(10)).until(() -> !origin(f, url).get("lastFailure").asString()
                    .equals("") && origin(f, url).get("lastFailure").asString().startsWith("probe"));
            assertThat(origin(f, url).get("state").asString()).isIn("open", "half-open");

            try (MockWebServer back = new MockWebServer()) {
                back.enqueue(new MockResponse.Builder().code(200).build()); // the probe's HEAD
                back.enqueue(new MockResponse.Builder().code(200).body("back").setHeader("Cache-Control",
                        "max-age=60").build());
                back.start(InetAddress.getByName("127.0.0.1"), port);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> origin(f, url).get("state").asString().equals("closed"));
                mockwebserver3.RecordedRequest probe = back.takeRequest();
                assertThat(probe.getMethod()).as("the probe").isEqualTo("HEAD");
                assertThat(probe.getTarget()).as("origin.breaker.probePath").isEqualTo("/healthz?from=edge");
                HttpReply served = get(f, "/a");
                assertThat(served.status()).isEqualTo(200);
                assertThat(served.body()).isEqualTo("back");
                assertThat(origin(f, url).get("consecutiveFailures").asInt()).isZero();
            }
        }
    }

    @Test
    void whileThePrimarysCircuitIsOpenRequestsGoStraightToTheNextOriginOfTheService() throws Exception {
        OriginBreaker twoFailures = OriginBreaker.of(2, Duration.ofHours(1), Duration.ofHours(1));
        ManualClockHolder clock = new ManualClockHolder();
        try (SwitchableOrigin primary = new SwitchableOrigin(clock::now);
                EdgeFixture f = clock.set(new EdgeFixture(breaker(twoFailures), List.of(primary.uri())))) {
            primary.mode(SwitchableOrigin.Mode.FAIL);
            for (int i = 1; i <= 4; i++) {
                f.enqueue(f.ok("from the backup " + i, "max-age=60"));
            }
            assertThat(get(f, "/one").body()).isEqualTo("from the backup 1");
            assertThat(get(f, "/two").body()).isEqualTo("from the backup 2");
            assertThat(primary.gets.get()).isEqualTo(2);

            primary.mode(SwitchableOrigin.Mode.HANG);
            assertThat(get(f, "/three").body()).isEqualTo("from the backup 3");
            assertThat(get(f, "/four").body()).isEqualTo("from the backup 4");
            assertThat(primary.gets.get()).as("the primary is not asked while its circuit is open").isEqualTo(2);
            assertThat(origin(f, primary.uri()).get("shortCircuited").asLong()).isEqualTo(2);
            assertThat(origin(f, URI.create("http://127.0.0.1:" + f.origin.getPort())).get("state").asString())
                    .isEqualTo("closed");
        }
    }

    @Test
    void theOriginsListIsAnAdminCallThatNeedsTheToken() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            HttpReply anonymous = HttpReply.call(f.client, new Request.Builder().url(f.admin() + "/_edge/origins")
                    .build());
            assertThat(anonymous.status()).isEqualTo(401);
            JsonNode listed = origins(f);
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).get("state").asString()).isEqualTo("closed");
            assertThat(Json.mapper().writeValueAsString(listed.get(0))).contains("\"openedAt\":null");
        }
    }

    /** Lets the origin date its answers by the edge's manual clock, which exists only once the fixture does. */
    private static final class ManualClockHolder {
        private volatile EdgeFixture fixture;

        EdgeFixture set(EdgeFixture f) {
            fixture = f;
            return f;
        }

        java.time.Instant now() {
            return fixture == null ? dev.outpost.testkit.ManualClock.DEFAULT_START : fixture.clock.instant();
        }
    }
}
