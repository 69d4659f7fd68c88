package dev.outpost.cli.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.cli.Cli;
import dev.outpost.edge.EdgeNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Edges that miss purges (partitioned, or stopped) get them, in order, before they are steered traffic again. */
class CatchUpIT {
    private static final String APP = "http://" + Cdn.HOST + "/app.js";

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

    private void awaitUnhealthy(String edge) {
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> !cdn.node(edge).get("healthy").asBoolean());
    }

    private static String stateOf(JsonNode status, String edge) {
        for (JsonNode e : status.get("edges")) {
            if (e.get("id").asString().equals(edge)) {
                return e.get("state").asString();
            }
        }
        throw new AssertionError(edge + " not in " + status);
    }

    /** Eu clients are steered to eu-1 only, whatever the URL, while eu-2 is out. */
    private void assertEuTrafficAvoids(String edge) {
        for (int i = 0; i < 20; i++) {
            JsonNode route = cdn.route("127.0.2.50", "/file-" + i);
            assertThat(route.get("chosen").asString()).isNotEqualTo(edge);
            assertThat(route.get("servingRegion").asString()).isEqualTo("eu");
        }
    }

    @Test
    void anEdgeCutOffDuringThreePurgesCatchesUpInOrderBeforeItIsSteeredAgain() {
        cdn.warm("/app.js");
        cdn.warm("/css/site.css");
        cdn.warm("/img/a.png");
        cdn.cut("eu-2");
        awaitUnhealthy("eu-2");

        // Order matters: the push must come after the purge of the same URL, or the preloaded copy is lost.
        String first = cdn.purge("{\"urls\":[\"" + APP + "\"]}");
        String push = cdn.submit("/api/v1/pushes", "{\"urls\":[\"" + APP + "\"]}");
        String second = cdn.purge("{\"tags\":[\"css\"]}");
        String third = cdn.purge("{\"prefixes\":[\"http://" + Cdn.HOST + "/img/\"]}");
        JsonNode last = cdn.awaitSettled(third);
        assertThat(last.get("status").asString()).isEqualTo("partial");
        assertThat(stateOf(last, "eu-2")).isEqualTo("behind");
        assertThat(cdn.edge("eu-2").appliedSequence()).isLessThan(last.get("sequence").asLong());
        assertEuTrafficAvoids("eu-2");

        cdn.heal("eu-2");
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> cdn.steerable("eu-2"));
        // steerable again only once it applied everything due
        assertThat(cdn.edge("eu-2").appliedSequence()).isGreaterThanOrEqualTo(last.get("sequence").asLong());
        for (String id : List.of(first, push, second, third)) {
            JsonNode status = cdn.awaitStatus(id);
            assertThat(status.get("status").asString()).as(id).isEqualTo("complete");
            assertThat(stateOf(status, "eu-2")).isEqualTo("applied");
        }
        assertThat(cdn.get("eu-2", "/app.js").xCache()).as("purged, then preloaded").isEqualTo("HIT");
        assertThat(cdn.get("eu-2", "/css/site.css").xCache()).isEqualTo("MISS");
        assertThat(cdn.get("eu-2", "/img/a.png").xCache()).isEqualTo("MISS");
    }

    @Test
    void anEdgeStoppedDuringThreePurgesIsSteeredAgainOnlyAfterItRegisteredAndServesNoPurgedCopy() {
        cdn.warm("/app.js");
        cdn.stopEdge("ap-1");
        awaitUnhealthy("ap-1");
        String first = cdn.purge("{\"urls\":[\"" + APP + "\"]}");
        String second = cdn.purge("{\"tags\":[\"css\"]}");
        String third = cdn.purge("{\"all\":true,\"confirmPurgeAll\":true}");
        JsonNode last = cdn.awaitSettled(third);
        assertThat(last.get("status").asString()).isEqualTo("partial");
        assertThat(stateOf(last, "ap-1")).isEqualTo("behind");
        assertThat(cdn.route("127.0.3.50", "/app.js").get("candidates").toString()).doesNotContain("ap-1");

        cdn.startEdge("ap-1");
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> cdn.steerable("ap-1"));
        // A restarted edge registers with an empty cache, so the control plane counts it caught up at once; the edge
        // adopts that sequence when the registration answer reaches it, a moment later on its link thread.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> cdn.edge("ap-1").appliedSequence() >= last.get("sequence").asLong());
        for (String id : List.of(first, second, third)) {
            JsonNode status = cdn.awaitStatus(id);
            assertThat(status.get("status").asString()).as(id).isEqualTo("complete");
            assertThat(stateOf(status, "ap-1")).isEqualTo("applied");
        }
        assertThat(cdn.get("ap-1", "/app.js").xCache()).isEqualTo("MISS");
        Cli.Run status = Cli.run("status", "--api", cdn.apiUri().toString(), "--token", Cdn.OPS);
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).containsPattern("ap-1 +edge +ap +healthy +yes")
                .contains(third).contains(first).doesNotContain("partial");

        // and later purges reach it live again
        cdn.warm("/app.js");
        JsonNode later = cdn.awaitStatus(cdn.purge("{\"urls\":[\"" + APP + "\"]}"));
        assertThat(later.get("status").asString()).isEqualTo("complete");
        assertThat(later.get("edgesApplied").asInt()).isEqualTo(6);
        assertThat(cdn.get("ap-1", "/app.js").xCache()).isEqualTo("MISS");
    }

    @Test
    void anEdgeWithoutAnAdminListenerGetsEveryPurgeFromItsHeartbeats() {
        EdgeNode quiet = cdn.startEdgeWithoutAdmin("eu-3");
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> cdn.steerable("eu-3"));
        assertThat(cdn.node("eu-3").get("adminUrl").isNull()).isTrue();
        cdn.warm("/app.js");
        assertThat(cdn.get(quiet, "/app.js").xCache()).isEqualTo("MISS");
        assertThat(cdn.get(quiet, "/app.js").xCache()).isEqualTo("HIT");

        String purge = cdn.purge("{\"urls\":[\"" + APP + "\"]}");
        JsonNode status = cdn.awaitStatus(purge);
        assertThat(status.get("status").asString()).as(status.toString()).isEqualTo("complete");
        assertThat(stateOf(status, "eu-3")).isEqualTo("applied");
        assertThat(quiet.appliedSequence()).isEqualTo(status.get("sequence").asLong());
        assertThat(cdn.get(quiet, "/app.js").xCache()).isEqualTo("MISS");
    }
}
