package dev.outpost.cli.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Steering over six real, heartbeating edges: by region, sticky per URL, around unhealthy edges and regions. */
class GeoSteeringIT {
    @TempDir
    Path dir;
    private Cdn cdn;

    @BeforeEach
    void start() throws Exception {
        cdn = new Cdn(dir);
    }

    @AfterEach
    void stop() {
        cdn.close();
    }

    private void awaitUnhealthy(String... edges) {
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            for (String edge : edges) {
                assertThat(cdn.node(edge).get("healthy").asBoolean()).as(edge).isFalse();
            }
        });
    }

    /** The edge a 302 from the steering port sends the client to, checked against that edge's public URL. */
    private String steeredEdge(HttpReply reply, String path) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(302);
        String edge = reply.headers().get("X-Outpost-Steering");
        assertThat(reply.headers().get("Location")).isEqualTo(cdn.edge(edge).baseUri() + path);
        return edge;
    }

    @Test
    void clientsFromEachRegionGoToTheirRegionAndOneUrlSticksToOneEdge() {
        Map<String, String> clients = Map.of("us", "127.0.1.50", "eu", "127.0.2.50", "ap", "127.0.3.50");
        clients.forEach((region, client) -> {
            String edge = steeredEdge(cdn.steer(client, "/app.js"), "/app.js");
            assertThat(edge).startsWith(region + "-");
            assertThat(steeredEdge(cdn.steer(client, "/app.js"), "/app.js")).isEqualTo(edge);
            // another client of the region, and one behind the trusted proxy, get the same edge for that URL
            String neighbour = client.substring(0, client.lastIndexOf('.')) + ".51";
            assertThat(steeredEdge(cdn.steer(neighbour, "/app.js"), "/app.js")).isEqualTo(edge);
            assertThat(cdn.route(neighbour, "/app.js").get("chosen").asString()).isEqualTo(edge);
            // the client steered there is then served by that edge
            assertThat(cdn.get(edge, "/app.js").servedBy()).isEqualTo(edge);
        });
    }

    @Test
    void aClientBehindATrustedProxyIsSteeredByItsForwardedAddress() {
        HttpReply reply = cdn.steerForwarded("127.0.3.77", "/doc.html");
        assertThat(steeredEdge(reply, "/doc.html")).startsWith("ap-");
    }

    @Test
    void anUnhealthyEdgeIsSkippedAndOnlyItsKeysMove() {
        Map<String, String> before = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            before.put("/file-" + i, cdn.route("127.0.2.50", "/file-" + i).get("chosen").asString());
        }
        assertThat(before.values()).contains("eu-1", "eu-2");
        cdn.stopEdge("eu-2");
        awaitUnhealthy("eu-2");
        before.forEach((path, edge) -> {
            JsonNode route = cdn.route("127.0.2.50", path);
            assertThat(route.get("chosen").asString()).as(path).isEqualTo("eu-1");
            if (edge.equals("eu-2")) {
                assertThat(route.get("skipped").toString()).contains("eu-2");
            }
        });
        assertThat(steeredEdge(cdn.steer("127.0.2.50", "/app.js"), "/app.js")).isEqualTo("eu-1");
    }

    @Test
    void removingOneOfNEdgesMovesOnlyItsKeys() {
        cdn.stopEdge("eu-1");
        cdn.stopEdge("eu-2");
        cdn.stopEdge("ap-1");
        awaitUnhealthy("eu-1", "eu-2", "ap-1");
        // eu and ap fall back: us-1, us-2 (us) serve eu; ap-2 serves ap. Now us has 2 edges for 3 regions' keys.
        Map<String, String> before = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            before.put("/k-" + i, cdn.route("127.0.1.50", "/k-" + i).get("chosen").asString());
        }
        cdn.stopEdge("us-2");
        awaitUnhealthy("us-2");
        long moved = before.entrySet().stream()
                .filter(e -> !cdn.route("127.0.1.50", e.getKey()).get("chosen").asString().equals(e.getValue()))
                .count();
        long onRemoved = before.values().stream().filter("us-2"::equals).count();
        assertThat(moved).isEqualTo(onRemoved).isBetween(25L, 75L);
    }

    @Test
    void aRegionWithNoHealthyEdgeFallsBackToTheNearestRegion() {
        cdn.stopEdge("ap-1");
        cdn.stopEdge("ap-2");
        awaitUnhealthy("ap-1", "ap-2");
        JsonNode route = cdn.route("127.0.3.50", "/app.js");
        assertThat(route.get("clientRegion").asString()).isEqualTo("ap");
        assertThat(route.get("fallback").asBoolean()).isTrue();
        assertThat(route.get("servingRegion").asString()).as("us is 90 ms from ap, eu 120 ms").isEqualTo("us");
        assertThat(steeredEdge(cdn.steer("127.0.3.50", "/app.js"), "/app.js")).startsWith("us-");
    }
}
