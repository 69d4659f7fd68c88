package dev.outpost.cli.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The control plane closed and started again on its data dir: nothing is lost, edges served on meanwhile. */
class ControlPlaneRestartIT {
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

    private static String stateOf(JsonNode status, String edge) {
        for (JsonNode e : status.get("edges")) {
            if (e.get("id").asString().equals(edge)) {
                return e.get("state").asString();
            }
        }
        throw new AssertionError(edge + " not in " + status);
    }

    @Test
    void historySequenceAndPendingAcksSurviveARestartAndEdgesGetLaterPurges() {
        cdn.warm("/app.js");
        cdn.warm("/doc.html");
        String before = cdn.purge("{\"tags\":[\"nothing-tagged-so\"]}");
        assertThat(cdn.awaitStatus(before).get("status").asString()).isEqualTo("complete");
        cdn.cut("us-2");
        await().atMost(Cdn.PATIENCE).until(() -> !cdn.node("us-2").get("healthy").asBoolean());
        String pending = cdn.purge("{\"urls\":[\"" + APP + "\"]}");
        JsonNode partial = cdn.awaitSettled(pending);
        assertThat(partial.get("status").asString()).isEqualTo("partial");
        long sequence = partial.get("sequence").asLong();

        cdn.stopControlPlane();
        for (String edge : Cdn.EDGES) {
            assertThat(cdn.get(edge, "/doc.html").xCache()).as("%s serves on with the control plane down", edge)
                    .isEqualTo("HIT");
        }
        assertThat(cdn.get("us-2", "/app.js").xCache()).as("us-2 missed the purge").isEqualTo("HIT");
        cdn.startControlPlane();

        JsonNode history = cdn.api("GET", "/api/v1/purges", null).json().get("purges");
        assertThat(history.get(0).get("id").asString()).isEqualTo(pending);
        assertThat(history.get(1).get("id").asString()).isEqualTo(before);
        JsonNode afterRestart = cdn.status(pending);
        assertThat(afterRestart.get("status").asString()).isEqualTo("partial");
        assertThat(stateOf(afterRestart, "us-2")).isEqualTo("behind");
        assertThat(afterRestart.get("acceptedAt")).isEqualTo(partial.get("acceptedAt"));

        String next = cdn.purge("{\"urls\":[\"http://" + Cdn.HOST + "/doc.html\"]}");
        JsonNode nextStatus = cdn.awaitSettled(next);
        assertThat(nextStatus.get("sequence").asLong()).as("the sequence goes on").isEqualTo(sequence + 1);
        assertThat(stateOf(nextStatus, "us-2")).as("us-2 is still cut off").isEqualTo("behind");

        cdn.heal("us-2");
        assertThat(cdn.awaitStatus(pending).get("status").asString()).isEqualTo("complete");
        assertThat(cdn.awaitStatus(next).get("status").asString()).isEqualTo("complete");
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> cdn.steerable("us-2"));
        assertThat(cdn.get("us-2", "/app.js").xCache()).isEqualTo("MISS");
        for (String edge : Cdn.EDGES) {
            assertThat(cdn.get(edge, "/doc.html").xCache()).as(edge).isEqualTo("MISS");
        }
    }

    @Test
    void anEdgeStartedWhileTheControlPlaneIsDownServesAndRegistersOnceItIsBack() {
        cdn.stopControlPlane();
        cdn.stopEdge("eu-1");
        cdn.startEdge("eu-1");
        assertThat(cdn.get("eu-1", "/app.js").xCache()).isEqualTo("MISS");
        assertThat(cdn.get("eu-1", "/app.js").xCache()).isEqualTo("HIT");
        assertThat(cdn.edge("eu-1").controlPlaneLink().orElseThrow().registered()).isFalse();

        cdn.startControlPlane();
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(20))
                .until(() -> cdn.edge("eu-1").controlPlaneLink().orElseThrow().registered());
        cdn.awaitEveryEdgeSteerable();
        // it served while away, so it did not claim an empty cache: purges reach it as they reach everyone
        String purge = cdn.purge("{\"urls\":[\"" + APP + "\"]}");
        assertThat(cdn.awaitStatus(purge).get("status").asString()).isEqualTo("complete");
        assertThat(cdn.get("eu-1", "/app.js").xCache()).isEqualTo("MISS");
    }
}
