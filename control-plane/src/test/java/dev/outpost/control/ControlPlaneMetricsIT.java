package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.wire.EdgePrefetchResult;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.Scrape;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/v1/metrics} scraped over a real socket and parsed as Prometheus reads it: purges and pushes
 * accepted, the time to the last edge's acknowledgement (on the injected clock, so exact), deliveries per edge,
 * retries, steering decisions, rate-limit refusals, API requests by route template, nodes by health, JVM meters.
 */
class ControlPlaneMetricsIT {
    private static final String ACK = "controlplane_entry_ack_seconds";

    @TempDir
    Path data;
    private ControlPlaneFixture cp;
    private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(20)).build();

    @AfterEach
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    private Scrape scrape() {
        return Scrape.of(http, URI.create(cp.plane().apiUri() + "/api/v1/metrics"));
    }

    private List<String> edgeStates(String id) {
        List<String> states = new ArrayList<>();
        cp.get("/api/v1/purges/" + id, READER).json().get("edges")
                .forEach(e -> states.add(e.get("id").asString() + "=" + e.get("state").asString()));
        return states;
    }

    @Test
    void aPurgeThroughTheApiIsCountedAndItsLastAcknowledgementTimed() throws Exception {
        cp = new ControlPlaneFixture(data);
        cp.edge("us-1", "us");
        FakeEdge late = cp.edge("eu-1", "eu");
        late.answer(503);
        Scrape before = scrape();
        assertThat(before.value("controlplane_entries_accepted_total", "kind", "purge")).isZero();
        assertThat(before.value(ACK + "_count", "kind", "purge")).isZero();

        HttpReply accepted = cp.post("/api/v1/purges", OPS, "{\"urls\":[\"http://www.example.com/a.css\"]}");
        assertThat(accepted.status()).isEqualTo(202);
        await().atMost(10, SECONDS).until(() -> edgeStates("p-1").equals(List.of("eu-1=applied", "us-1=applied"))
                || edgeStates("p-1").equals(List.of("eu-1=behind", "us-1=applied")));
        Scrape waiting = scrape();
        assertThat(waiting.value("controlplane_entries_accepted_total", "kind", "purge")).isEqualTo(1);
        assertThat(waiting.value("controlplane_entries_accepted_total", "kind", "push")).isZero();
        assertThat(waiting.value("controlplane_deliveries", "edge", "eu-1", "state", "behind")).isEqualTo(1);
        assertThat(waiting.value("controlplane_deliveries", "edge", "us-1", "state", "behind")).isZero();
        assertThat(waiting.value("controlplane_nodes", "kind", "edge", "region", "eu", "state", "catching_up"))
                .isEqualTo(1);
        assertThat(waiting.value("controlplane_nodes", "kind", "edge", "region", "us", "state", "healthy"))
                .isEqualTo(1);
        assertThat(waiting.value(ACK + "_count", "kind", "purge")).as("not settled while eu-1 is behind").isZero();

        // eu-1 catches up 2 s (on the control plane's clock) after the purge was accepted: that is the time recorded
        cp.clock.advance(Duration.ofSeconds(2));
        late.answer(200);
        cp.heartbeatAndCatchUp(late);
        Scrape settled = scrape();
        assertThat(settled.value(ACK + "_count", "kind", "purge")).isEqualTo(1);
        assertThat(settled.value(ACK + "_sum", "kind", "purge")).isEqualTo(2.0);
        assertThat(settled.value(ACK + "_bucket", "kind", "purge", "le", "1.0")).isZero();
        assertThat(settled.value(ACK + "_bucket", "kind", "purge", "le", "2.5")).isEqualTo(1);
        assertThat(settled.value(ACK + "_bucket", "kind", "purge", "le", "+Inf")).isEqualTo(1);
        assertThat(settled.type(ACK)).contains("histogram");
        assertThat(settled.value("controlplane_entries_settled_total", "kind", "purge", "status", "complete"))
                .isEqualTo(1);
        assertThat(settled.value("controlplane_deliveries", "edge", "eu-1", "state", "behind")).isZero();
        assertThat(settled.value("controlplane_nodes", "kind", "edge", "region", "eu", "state", "healthy"))
                .isEqualTo(1);
        assertThat(settled.value("controlplane_api_requests_seconds_count", "method", "POST",
                "route", "/api/v1/purges", "status", "202")).isEqualTo(1);
        assertThat(settled.value("controlplane_api_requests_seconds_count", "method", "GET",
                "route", "/api/v1/purges/{id}", "status", "200")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aPushRetriedToAnEdgeIsCountedForThatEdgeAndItsAckTimedAsAPush() throws Exception {
        cp = new ControlPlaneFixture(data, "delivery: {retryInitial: 20ms, retryMax: 20ms, fenceAfter: 1h}\n");
        FakeEdge flaky = cp.edge("us-1", "us");
        flaky.answer(503);
        HttpReply accepted = cp.post("/api/v1/pushes", OPS, "{\"urls\":[\"http://www.example.com/a.css\"]}");
        assertThat(accepted.status()).isEqualTo(202);
        await().atMost(10, SECONDS).until(() -> flaky.received().size() >= 3);
        flaky.answer(200);
        await().atMost(10, SECONDS).until(() -> edgeStates(accepted.json().get("id").asString(), "pushes")
                .equals(List.of("us-1=applied")));
        Scrape scrape = scrape();
        assertThat(scrape.value("controlplane_deliveries_retried_total", "edge", "us-1"))
                .isGreaterThanOrEqualTo(2).isEqualTo(flaky.received().size() - 1);
        assertThat(scrape.value("controlplane_entries_accepted_total", "kind", "push")).isEqualTo(1);
        await().atMost(10, SECONDS).until(() -> scrape().value(ACK + "_count", "kind", "push") == 1);
        assertThat(scrape().value(ACK + "_count", "kind", "purge")).isZero();
    }

    @Test
    void aConfigurationChangeIsCountedAndTimedAsKindConfigBesideItsPurge() throws Exception {
        cp = new ControlPlaneFixture(data);
        FakeEdge late = cp.edge("eu-1", "eu");
        late.answer(503);
        cp.put("/api/v1/services/site", ControlPlaneFixture.CONFIG,
                "{\"hosts\":[\"www.example.com\"],\"origins\":[\"http://127.0.0.1:8081\"]}");
        assertThat(scrape().value("controlplane_entries_accepted_total", "kind", "config")).isEqualTo(1);
        assertThat(scrape().value(ACK + "_count", "kind", "config")).isZero();

        cp.clock.advance(Duration.ofMillis(1500));
        late.answer(200);
        cp.heartbeatAndCatchUp(late);

        Scrape settled = scrape();
        assertThat(settled.value(ACK + "_count", "kind", "config")).isEqualTo(1);
        assertThat(settled.value(ACK + "_sum", "kind", "config")).isEqualTo(1.5);
        assertThat(settled.value("controlplane_entries_accepted_total", "kind", "purge")).isZero();
    }

    private List<String> edgeStates(String id, String kind) {
        List<String> states = new ArrayList<>();
        cp.get("/api/v1/" + kind + "/" + id, READER).json().get("edges")
                .forEach(e -> states.add(e.get("id").asString() + "=" + e.get("state").asString()));
        return states;
    }

    @Test
    void aPushThatNoEdgeCouldStoreIsADeadLetterOfEachEdge() throws Exception {
        cp = new ControlPlaneFixture(data);
        FakeEdge edge = cp.edge("us-1", "us");
        edge.answerPushesWith(dev.outpost.common.json.Json.mapper().writeValueAsString(new EdgePrefetchResult(
                List.of(), 0, 1, 0, List.of(new EdgePrefetchResult.Failure("http://www.example.com/a.css",
                        "origin answered 404")))));
        HttpReply accepted = cp.post("/api/v1/pushes", OPS, "{\"urls\":[\"http://www.example.com/a.css\"]}");
        assertThat(accepted.status()).isEqualTo(202);
        await().atMost(10, SECONDS).until(() -> edgeStates(accepted.json().get("id").asString(), "pushes")
                .equals(List.of("us-1=failed")));
        Scrape scrape = scrape();
        assertThat(scrape.value("controlplane_dead_letters", "edge", "us-1")).isEqualTo(1);
        assertThat(scrape.value("controlplane_deliveries", "edge", "us-1", "state", "failed")).isEqualTo(1);
        assertThat(scrape.value("controlplane_entries_settled_total", "kind", "push", "status", "failed"))
                .isEqualTo(1);
    }

    @Test
    void steeringDecisionsAreCountedByRegionPolicyAndResult() throws Exception {
        cp = new ControlPlaneFixture(data);
        cp.edge("eu-1", "eu");
        assertThat(cp.steer("127.0.2.50", "/a").status()).isEqualTo(302);
        assertThat(cp.steer("127.0.2.50", "/b").status()).isEqualTo(302);
        assertThat(cp.steer("127.0.1.50", "/a").status()).isEqualTo(302);
        assertThat(cp.get("/api/v1/route?client=127.0.1.50&url=http://www.example.com/a", READER).status())
                .isEqualTo(200);
        Scrape scrape = scrape();
        String decisions = "controlplane_steering_decisions_total";
        assertThat(scrape.value(decisions, "client_region", "eu", "region", "eu", "policy", "rendezvous",
                "result", "local")).isEqualTo(2);
        assertThat(scrape.value(decisions, "client_region", "us", "region", "eu", "policy", "rendezvous",
                "result", "fallback")).as("explaining a route (/api/v1/route) steers no one").isEqualTo(1);
    }

    @Test
    void refusalsForASpentRateBudgetAreCountedByAction() throws Exception {
        cp = new ControlPlaneFixture(data, "rateLimits: {purgesPerMinute: 1}\n");
        cp.edge("us-1", "us");
        String purge = "{\"urls\":[\"http://www.example.com/a.css\"]}";
        assertThat(cp.post("/api/v1/purges", OPS, purge).status()).isEqualTo(202);
        assertThat(cp.post("/api/v1/purges", OPS, purge).status()).isEqualTo(429);
        // A request is counted when its exchange completes, which can be just after its answer reached us.
        await().atMost(10, SECONDS).until(() -> scrape().sum("controlplane_api_requests_seconds_count", "method",
                "POST", "route", "/api/v1/purges", "status", "429") > 0);
        Scrape scrape = scrape();
        assertThat(scrape.value("controlplane_rate_limited_total", "action", "purge")).isEqualTo(1);
        assertThat(scrape.value("controlplane_api_requests_seconds_count", "method", "POST",
                "route", "/api/v1/purges", "status", "429")).isEqualTo(1);
    }

    @Test
    void metricsAnswerWithoutATokenWithJvmMetersAndLabelUnknownPathsByNoPath() throws Exception {
        cp = new ControlPlaneFixture(data);
        assertThat(cp.get("/api/v1/no/such/thing", READER).status()).isEqualTo(404);
        await().atMost(10, SECONDS).until(() -> scrape().sum("controlplane_api_requests_seconds_count", "method",
                "GET", "route", "unmatched", "status", "404") > 0); // counted when the exchange completes
        Scrape scrape = scrape();
        assertThat(scrape.value("controlplane_api_requests_seconds_count", "method", "GET", "route", "unmatched",
                "status", "404")).isEqualTo(1);
        assertThat(scrape.find("controlplane_api_requests_seconds_count"))
                .noneMatch(s -> s.labels().get("route").contains("no/such"));
        assertThat(scrape.names()).contains("jvm_memory_used_bytes", "jvm_threads_live_threads",
                "jvm_classes_loaded_classes", "process_uptime_seconds", "process_cpu_usage", "system_cpu_count",
                "jvm_info");
        assertThat(scrape.sum("jvm_memory_used_bytes", "area", "heap")).isPositive();
    }

    @Test
    void theShieldTierShowsEntriesHeldBackUsableShieldsAndEntriesReleasedWithoutThem() throws Exception {
        cp = new ControlPlaneFixture(data); // heartbeat: interval 1s, timeout 3s
        FakeEdge shield = cp.shield("us-shield", "us");
        FakeEdge edge = cp.edge("eu-1", "eu");
        shield.hold();
        cp.post("/api/v1/purges", OPS, "{\"urls\":[\"http://www.example.com/a.css\"]}");
        await().atMost(10, SECONDS).until(() -> shield.receivedSequences().contains(1L));
        Scrape held = scrape();
        assertThat(held.value("controlplane_shield_held_entries")).isEqualTo(1);
        assertThat(held.value("controlplane_shields_holding_back")).isEqualTo(1);
        assertThat(held.value("controlplane_shields", "region", "us", "state", "usable")).isEqualTo(1);
        assertThat(held.value("controlplane_shields", "region", "us", "state", "unhealthy")).isZero();

        shield.resume();
        await().atMost(10, SECONDS).until(() -> edge.receivedSequences().contains(1L));
        assertThat(scrape().value("controlplane_shield_held_entries")).isZero();

        // the shield falls silent: the next purge goes to the edge without it, and that is counted
        cp.clock.advance(Duration.ofSeconds(5));
        cp.heartbeat(edge);
        cp.post("/api/v1/purges", OPS, "{\"urls\":[\"http://www.example.com/b.css\"]}");
        await().atMost(10, SECONDS).until(() -> edge.receivedSequences().contains(2L));
        Scrape silent = scrape();
        assertThat(silent.value("controlplane_shield_released_unshielded_total")).isEqualTo(1);
        assertThat(silent.value("controlplane_shields", "region", "us", "state", "unhealthy")).isEqualTo(1);
        assertThat(silent.value("controlplane_shields", "region", "us", "state", "usable")).isZero();
        assertThat(silent.value("controlplane_shields_holding_back")).isZero();
        assertThat(silent.value("controlplane_shield_held_entries")).isZero();
    }

    @Test
    void aScraperAskingForOpenMetricsGetsIt() throws Exception {
        cp = new ControlPlaneFixture(data);
        HttpReply reply = HttpReply.call(http, new Request.Builder().url(cp.plane().apiUri() + "/api/v1/metrics")
                .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
                .build());
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).startsWith("application/openmetrics-text; version=1.0.0");
        assertThat(reply.body()).contains("controlplane_entries_accepted_total{kind=\"purge\"} 0").endsWith("# EOF\n");
    }
}
