package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Steering over real sockets: clients bound to each region's loopback network, 302s and route decisions. */
class SteeringIT {
    @TempDir
    Path data;
    private ControlPlaneFixture cp;
    private List<FakeEdge> edges;

    @BeforeEach
    void start() throws Exception {
        cp = new ControlPlaneFixture(data);
        edges = List.of(cp.edge("us-1", "us"), cp.edge("us-2", "us"), cp.edge("eu-1", "eu"), cp.edge("eu-2", "eu"),
                cp.edge("ap-1", "ap"), cp.edge("ap-2", "ap"));
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    private FakeEdge edge(String id) {
        return edges.stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow();
    }

    private String steeredTo(String client, String path) {
        HttpReply reply = cp.steer(client, path);
        assertThat(reply.status()).as(reply.body()).isEqualTo(302);
        return reply.header("X-Outpost-Steering");
    }

    private JsonNode route(String client, String url) {
        HttpReply reply = cp.get("/api/v1/route?client=" + client + "&url=" + url, READER);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    /** Everyone heartbeats except the given edges, then the clock passes the timeout for the silent ones. */
    private void silence(String... silentIds) {
        cp.clock.advance(Duration.ofSeconds(4));
        Set<String> silent = Set.of(silentIds);
        edges.stream().filter(e -> !silent.contains(e.id())).forEach(cp::heartbeat);
    }

    @Test
    void clientsFromEachRegionsNetworkAreRedirectedToAnEdgeThereKeepingPathAndQuery() {
        HttpReply eu = cp.steer("127.0.2.50", "/assets/app.js?v=3&x=%20y");
        assertThat(eu.status()).isEqualTo(302);
        String chosen = eu.header("X-Outpost-Steering");
        assertThat(chosen).startsWith("eu-");
        assertThat(eu.header("Location"))
                .isEqualTo(edge(chosen).registration().publicUrl() + "/assets/app.js?v=3&x=%20y");
        assertThat(eu.header("Cache-Control")).isEqualTo("no-store");

        assertThat(steeredTo("127.0.1.50", "/assets/app.js")).startsWith("us-");
        assertThat(steeredTo("127.0.3.50", "/assets/app.js")).startsWith("ap-");
        assertThat(steeredTo("127.0.0.1", "/assets/app.js")).as("default region").startsWith("us-");
    }

    @Test
    void theApiListenerSteersPathsOutsideTheApiToo() {
        HttpReply reply = cp.call(new Request.Builder().url(cp.plane().apiUri() + "/index.html")
                .header("X-Forwarded-For", "127.0.3.9"), null, cp.http());
        assertThat(reply.status()).isEqualTo(302);
        assertThat(reply.header("X-Outpost-Steering")).as("trusted proxy 127.0.0.1").startsWith("ap-");
    }

    @Test
    void sameUrlAlwaysGoesToTheSameEdgeAndUrlsSpreadOverTheRegion() {
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            String first = steeredTo("127.0.2.10", "/objects/" + i);
            assertThat(steeredTo("127.0.2.99", "/objects/" + i + "?utm=1")).isEqualTo(first);
            used.add(first);
        }
        assertThat(used).containsExactlyInAnyOrder("eu-1", "eu-2");
    }

    @Test
    void unhealthyEdgeIsSkippedAndItsRegionFallsBackToTheNearestOneWhenEmpty() {
        silence("eu-1");
        for (int i = 0; i < 20; i++) {
            assertThat(steeredTo("127.0.2.10", "/objects/" + i)).isEqualTo("eu-2");
        }
        silence("eu-1", "eu-2");
        JsonNode decision = route("127.0.2.10", "http://www.example.com/objects/1");
        assertThat(decision.get("clientRegion").asString()).isEqualTo("eu");
        assertThat(decision.get("servingRegion").asString()).isEqualTo("us");
        assertThat(decision.get("fallback").asBoolean()).isTrue();
        assertThat(decision.get("chosen").asString()).startsWith("us-");
        assertThat(decision.get("reason").asString()).contains("fell back to nearest region us");
        assertThat(steeredTo("127.0.2.10", "/objects/1")).startsWith("us-");
    }

    @Test
    void edgeThatWasDownIsNotSteeredToUntilItCaughtUpOnTheMissedPurges() {
        silence("eu-2");
        for (int i = 0; i < 3; i++) {
            assertThat(cp.post("/api/v1/purges", OPS, "{\"urls\":[\"http://www.example.com/" + i + "\"]}")
                    .status()).isEqualTo(202);
        }
        // eu-2 is back: its heartbeat makes it healthy, but it has not applied the three purges yet
        HttpReply reply = cp.heartbeat(edge("eu-2"));
        assertThat(reply.json().get("caughtUp").asBoolean()).isFalse();
        assertThat(reply.json().get("entries")).extracting(e -> e.get("sequence").asLong())
                .containsExactly(1L, 2L, 3L);
        for (int i = 0; i < 20; i++) {
            assertThat(steeredTo("127.0.2.10", "/objects/" + i)).isEqualTo("eu-1");
        }
        JsonNode decision = route("127.0.2.10", "http://www.example.com/objects/1");
        assertThat(decision.get("skipped")).extracting(JsonNode::asString).containsExactly("eu-2 (catching up)");
        JsonNode nodes = cp.get("/api/v1/nodes", READER).json().get("nodes");
        assertThat(nodes).filteredOn(n -> n.get("id").asString().equals("eu-2")).singleElement()
                .satisfies(n -> {
                    assertThat(n.get("healthy").asBoolean()).isTrue();
                    assertThat(n.get("caughtUp").asBoolean()).isFalse();
                    assertThat(n.get("dueSequence").asLong()).isEqualTo(3);
                });

        cp.heartbeatAndCatchUp(edge("eu-2"));
        assertThat(edge("eu-2").receivedSequences()).containsExactly(1L, 2L, 3L);
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            used.add(steeredTo("127.0.2.10", "/objects/" + i));
        }
        assertThat(used).contains("eu-2");
    }

    @Test
    void routeExplainsTheDecisionForTheCallerOrANamedClient() {
        JsonNode decision = route("127.0.3.7", "http://www.example.com/a.css?x=1");
        assertThat(decision.get("client").asString()).isEqualTo("127.0.3.7");
        assertThat(decision.get("matchedCidr").asString()).isEqualTo("127.0.3.0/24");
        assertThat(decision.get("candidates")).extracting(JsonNode::asString).containsExactly("ap-1", "ap-2");
        assertThat(decision.get("cacheKey").asString()).isEqualTo("www.example.com/a.css");
        assertThat(decision.get("location").asString()).endsWith("/a.css?x=1");
        assertThat(decision.get("reason").asString()).contains("region ap matched 127.0.3.0/24");

        HttpReply own = cp.get("/api/v1/route?url=http://www.example.com/a.css", READER);
        assertThat(own.json().get("client").asString()).isEqualTo("127.0.0.1");
        assertThat(cp.get("/api/v1/route", READER).error()).isEqualTo("missing_url");
        assertThat(cp.get("/api/v1/route?url=nope", READER).error()).isEqualTo("bad_url");
        assertThat(cp.get("/api/v1/route?url=http://h/&client=example.com", READER).error())
                .isEqualTo("bad_client");
    }

    @Test
    void noEligibleEdgeAnywhereIs503WithTheReason() {
        silence("us-1", "us-2", "eu-1", "eu-2", "ap-1", "ap-2");
        HttpReply reply = cp.steer("127.0.2.10", "/a");
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.error()).isEqualTo("no_edge");
        assertThat(reply.message()).contains("no healthy, caught-up edge");
    }
}
