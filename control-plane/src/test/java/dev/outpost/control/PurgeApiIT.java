package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.NODE;
import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.PURGE_ALL;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Purges, pushes and origin events through the real API, reaching fake edges over real HTTP. */
class PurgeApiIT {
    @TempDir
    Path data;
    private ControlPlaneFixture cp;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(data);
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    private List<FakeEdge> sixEdges() throws Exception {
        List<FakeEdge> edges = new ArrayList<>();
        for (String region : List.of("us", "eu", "ap")) {
            edges.add(cp.edge(region + "-1", region));
            edges.add(cp.edge(region + "-2", region));
        }
        return edges;
    }

    private List<String> edgeStates(String id) {
        List<String> states = new ArrayList<>();
        cp.get("/api/v1/purges/" + id, READER).json().get("edges")
                .forEach(e -> states.add(e.get("id").asString() + "=" + e.get("state").asString()));
        return states;
    }

    private HttpReply purge(String json) {
        return cp.post("/api/v1/purges", OPS, json);
    }

    @Test
    void purgeIsAcceptedAs202AndReachesAllSixEdgesAndWaitReturnsComplete() throws Exception {
        List<FakeEdge> edges = sixEdges();
        HttpReply accepted = purge("{\"urls\":[\"http://www.example.com/app.js\"],\"tags\":[\"css\"],\"soft\":true}");

        assertThat(accepted.status()).isEqualTo(202);
        assertThat(accepted.json().get("id").asString()).isEqualTo("p-1");
        assertThat(accepted.json().get("sequence").asLong()).isEqualTo(1);
        assertThat(accepted.json().get("status").asString()).isEqualTo("pending");

        JsonNode status = cp.get("/api/v1/purges/p-1?wait=10s", READER).json();
        assertThat(status.get("status").asString()).isEqualTo("complete");
        assertThat(status.get("edgesApplied").asInt()).isEqualTo(6);
        assertThat(status.get("soft").asBoolean()).isTrue();
        assertThat(status.get("requestedBy").asString()).isEqualTo("ops");
        assertThat(status.get("timeToLastAckMillis").isNumber()).isTrue();
        assertThat(status.get("edges")).hasSize(6).allSatisfy(edge -> {
            assertThat(edge.get("state").asString()).isEqualTo("applied");
            assertThat(edge.get("appliedAt").asString()).isEqualTo("2026-01-01T00:00:00Z");
        });
        for (FakeEdge edge : edges) {
            assertThat(edge.received()).as(edge.id()).singleElement().satisfies(entry -> {
                assertThat(entry.kind()).isEqualTo(InvalidationEntry.Kind.PURGE);
                assertThat(entry.urls()).containsExactly("http://www.example.com/app.js");
                assertThat(entry.tags()).containsExactly("css");
                assertThat(entry.soft()).isTrue();
            });
            assertThat(edge.authorizations()).containsExactly("Bearer " + ControlPlaneFixture.EDGE_SECRET);
        }
    }

    @Test
    void purgeByPrefixHostAndAllLimitedToARegionReachesOnlyThatRegion() throws Exception {
        List<FakeEdge> edges = sixEdges();
        HttpReply accepted = cp.post("/api/v1/purges", PURGE_ALL, "{\"prefixes\":[\"http://www.example.com/img/\"],"
                + "\"hosts\":[\"Static.Example.com\"],\"all\":true,\"regions\":[\"eu\"],\"confirmPurgeAll\":true}");
        assertThat(accepted.status()).isEqualTo(202);
        String id = accepted.json().get("id").asString();
        JsonNode status = cp.get("/api/v1/purges/" + id + "?wait=10s", READER).json();
        assertThat(status.get("status").asString()).isEqualTo("complete");
        assertThat(status.get("edges")).extracting(e -> e.get("id").asString()).containsExactly("eu-1", "eu-2");
        for (FakeEdge edge : edges) {
            if (edge.id().startsWith("eu")) {
                assertThat(edge.received()).singleElement().satisfies(e -> {
                    assertThat(e.hosts()).containsExactly("static.example.com");
                    assertThat(e.all()).isTrue();
                    assertThat(e.prefixes()).containsExactly("http://www.example.com/img/");
                });
            } else {
                assertThat(edge.received()).as(edge.id()).isEmpty();
            }
        }
    }

    @Test
    void recentPurgesListsNewestFirst() {
        purge("{\"urls\":[\"http://www.example.com/1\"]}");
        purge("{\"urls\":[\"http://www.example.com/2\"]}");
        HttpReply list = cp.get("/api/v1/purges?limit=10", READER);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().get("purges")).extracting(p -> p.get("id").asString()).containsExactly("p-2", "p-1");
        assertThat(cp.get("/api/v1/purges?limit=0", READER).error()).isEqualTo("bad_limit");
    }

    @Test
    void purgeAcceptedBeforeARestartKeepsHistorySequenceAndPendingAcksAndTheBehindEdgeCatchesUpInOrderAfterwards()
            throws Exception {
        FakeEdge up = cp.edge("eu-1", "eu");
        FakeEdge down = cp.edge("eu-2", "eu");
        cp.clock.advance(Duration.ofSeconds(4)); // eu-2 goes silent past the timeout
        cp.heartbeat(up);
        assertThat(purge("{\"urls\":[\"http://www.example.com/a\"]}").status()).isEqualTo(202);
        assertThat(purge("{\"urls\":[\"http://www.example.com/b\"]}").status()).isEqualTo(202);
        await().atMost(10, SECONDS).until(() -> edgeStates("p-2").equals(List.of("eu-1=applied", "eu-2=behind")));
        assertThat(cp.get("/api/v1/purges/p-2", READER).json().get("status").asString()).isEqualTo("partial");

        cp.restart();

        assertThat(cp.get("/api/v1/purges", READER).json().get("purges")).hasSize(2);
        JsonNode after = cp.get("/api/v1/purges/p-2", READER).json();
        assertThat(after.get("status").asString()).isEqualTo("partial");
        assertThat(edgeStates("p-2")).containsExactly("eu-1=applied", "eu-2=behind");
        assertThat(purge("{\"urls\":[\"http://www.example.com/c\"]}").json().get("sequence").asLong()).isEqualTo(3);
        // the restarted control plane still knows both edges: eu-1 gets p-3 live, eu-2 (behind) waits for catch-up
        await().atMost(10, SECONDS).until(() -> edgeStates("p-3").equals(List.of("eu-1=applied", "eu-2=behind")));
        assertThat(up.receivedSequences()).containsExactly(1L, 2L, 3L);
        assertThat(down.receivedSequences()).as("never out of order").isEmpty();

        assertThat(cp.heartbeat(down).status()).as("known after the restart").isEqualTo(200);
        cp.heartbeatAndCatchUp(down);

        assertThat(down.receivedSequences()).containsExactly(1L, 2L, 3L);
        assertThat(cp.get("/api/v1/purges/p-2", READER).json().get("status").asString()).isEqualTo("complete");
        assertThat(cp.get("/api/v1/purges/p-1", READER).json().get("status").asString()).isEqualTo("complete");
        assertThat(cp.get("/api/v1/purges/p-3", READER).json().get("status").asString()).isEqualTo("complete");
    }

    @Test
    void removingADecommissionedEdgeStopsItHoldingPurgesAtPartial() throws Exception {
        FakeEdge up = cp.edge("eu-1", "eu");
        FakeEdge gone = cp.edge("eu-2", "eu");
        gone.close();
        purge("{\"urls\":[\"http://www.example.com/a\"]}");
        await().atMost(10, SECONDS).until(() -> edgeStates("p-1").equals(List.of("eu-1=applied", "eu-2=behind")));

        assertThat(cp.delete("/api/v1/nodes/eu-2", OPS).error()).isEqualTo("forbidden");
        HttpReply removed = cp.delete("/api/v1/nodes/eu-2", ControlPlaneFixture.ADMIN);
        assertThat(removed.status()).isEqualTo(200);
        assertThat(edgeStates("p-1")).containsExactly("eu-1=applied", "eu-2=removed");
        assertThat(cp.get("/api/v1/purges/p-1", READER).json().get("status").asString()).isEqualTo("complete");
        assertThat(cp.get("/api/v1/nodes", READER).json().get("nodes")).extracting(n -> n.get("id").asString())
                .containsExactly("eu-1");
        assertThat(cp.heartbeat(gone).error()).isEqualTo("unknown_node");
        assertThat(cp.delete("/api/v1/nodes/eu-2", ControlPlaneFixture.ADMIN).status()).isEqualTo(404);
        assertThat(up.receivedSequences()).containsExactly(1L);
    }

    @Test
    void pushReachesEdgesInScopeWithPerEdgeProgress() throws Exception {
        List<FakeEdge> edges = sixEdges();
        HttpReply accepted = cp.post("/api/v1/pushes", OPS,
                "{\"urls\":[\"http://www.example.com/big.js\"],\"regions\":[\"us\",\"ap\"]}");
        assertThat(accepted.status()).isEqualTo(202);
        String id = accepted.json().get("id").asString();
        assertThat(id).isEqualTo("push-1");

        JsonNode progress = cp.get("/api/v1/pushes/" + id + "?wait=10s", READER).json();
        assertThat(progress.get("kind").asString()).isEqualTo("push");
        assertThat(progress.get("status").asString()).isEqualTo("complete");
        assertThat(progress.get("edges")).extracting(e -> e.get("id").asString())
                .containsExactly("ap-1", "ap-2", "us-1", "us-2");
        assertThat(progress.get("edges").get(0).get("detail").asString()).as("what the edge answered")
                .contains("\"stored\":1");
        assertThat(edges.stream().filter(e -> !e.received().isEmpty()).map(FakeEdge::id))
                .containsExactlyInAnyOrder("us-1", "us-2", "ap-1", "ap-2");
        assertThat(edges.get(0).received().get(0).kind()).isEqualTo(InvalidationEntry.Kind.PUSH);
        assertThat(cp.get("/api/v1/pushes", READER).json().get("pushes")).hasSize(1);
        assertThat(cp.get("/api/v1/purges/" + id, READER).status()).as("a push is not a purge").isEqualTo(404);
    }

    @Test
    void originChangeNoticeBecomesAPurgeOfThatPathOnEveryHostOfTheOrigin() throws Exception {
        FakeEdge edge = cp.edge("us-1", "us");
        HttpReply accepted = cp.post("/api/v1/origin-events", NODE,
                "{\"event\":\"changed\",\"path\":\"/assets/app.css\",\"etag\":\"\\\"abc\\\"\"}");
        assertThat(accepted.status()).isEqualTo(202);
        JsonNode purge = cp.get("/api/v1/purges/" + accepted.json().get("id").asString() + "?wait=10s", READER)
                .json();
        assertThat(purge.get("status").asString()).isEqualTo("complete");
        assertThat(edge.received()).singleElement().satisfies(e -> assertThat(e.urls()).containsExactly(
                "http://www.example.com/assets/app.css", "http://static.example.com/assets/app.css"));

        assertThat(cp.post("/api/v1/origin-events?origin=nope", NODE,
                "{\"event\":\"deleted\",\"path\":\"/a\"}").error()).isEqualTo("unknown_origin");
        assertThat(cp.post("/api/v1/origin-events", NODE, "{\"event\":\"deleted\",\"path\":\"a b\"}").error())
                .isEqualTo("bad_path");
    }

    @Test
    void nodesListShowsHealthCatchUpAndStats() throws Exception {
        FakeEdge edge = cp.edge("eu-1", "eu");
        cp.heartbeat(edge);
        cp.edge("us-1", "us");
        cp.clock.advance(Duration.ofMillis(3500));
        cp.heartbeat(edge);

        JsonNode nodes = cp.get("/api/v1/nodes", READER).json().get("nodes");
        assertThat(nodes).extracting(n -> n.get("id").asString() + ":" + n.get("healthy").asBoolean())
                .containsExactly("eu-1:true", "us-1:false");
        assertThat(nodes.get(0).get("requests").asLong()).isEqualTo(10);
        assertThat(nodes.get(0).get("hitRatio").asDouble()).isEqualTo(0.5);
        assertThat(nodes.get(0).get("caughtUp").asBoolean()).isTrue();
        assertThat(nodes.get(0).get("kind").asString()).isEqualTo("edge");
    }

    @Test
    void waitGivesUpAfterItsTimeoutWithTheCurrentStatus() throws Exception {
        FakeEdge edge = cp.edge("eu-1", "eu");
        edge.answer(503);
        purge("{\"urls\":[\"http://www.example.com/a\"]}");
        long started = System.nanoTime();
        JsonNode status = cp.get("/api/v1/purges/p-1?wait=300ms", READER).json();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        assertThat(status.get("status").asString()).isIn("pending", "partial");
    }
}
