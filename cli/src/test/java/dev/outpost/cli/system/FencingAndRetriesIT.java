package dev.outpost.cli.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.cli.Cli;
import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Purges that cannot finish and edges that cannot hear: the control plane retries a partitioned edge itself, fences
 * one unreachable past the grace period (purges complete without it, naming it), and a fenced edge that still
 * serves clients revalidates once its lease ran out, then revalidates everything before it is steered again.
 * Real edges and a real origin; the partitions are real sockets closed ({@link CuttableLink}).
 */
class FencingAndRetriesIT {
    @TempDir
    Path dir;
    private Cdn cdn;

    @AfterEach
    void stop() {
        if (cdn != null) {
            cdn.close();
        }
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
    void thePurgeReachesAnEdgeThatCannotReachTheControlPlaneOnlyThroughTheControlPlanesOwnRetries()
            throws Exception {
        cdn = new Cdn(dir, "delivery: {retryInitial: 100ms, retryMax: 500ms}\n",
                link -> link.withTimings(java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(30)));
        cdn.warm("/app.js");
        cdn.cut("eu-2");
        String id = cdn.purge("{\"urls\":[\"http://" + Cdn.HOST + "/app.js\"]}");
        JsonNode partial = cdn.awaitSettled(id);
        assertThat(stateOf(partial, "eu-2")).isEqualTo("behind");

        // The edge still cannot reach the control plane (no heartbeat, no catch-up): only the control plane's
        // own retries can bring it the purge.
        cdn.healAdminOnly("eu-2");
        JsonNode complete = cdn.awaitStatus(id);
        assertThat(complete.get("status").asString()).as(complete.toString()).isEqualTo("complete");
        assertThat(stateOf(complete, "eu-2")).isEqualTo("applied");
        assertThat(cdn.get("eu-2", "/app.js").xCache()).isEqualTo("MISS");
    }

    @Test
    void anEdgeUnreachablePastTheGraceIsFencedPurgesCompleteNamingItAndItNeverServesThePurgedBody()
            throws Exception {
        cdn = new Cdn(dir, "delivery: {fenceAfter: 4s}\n",
                link -> link.withLease(Duration.ofSeconds(3),
                        dev.outpost.edge.config.ControlPlaneLinkConfig.LeaseExpiry.REVALIDATE));
        cdn.warm("/app.js");
        cdn.cut("eu-2");
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> cdn.node("eu-2").get("fenced").asBoolean());
        assertThat(cdn.steerable("eu-2")).isFalse();

        HttpReply put = cdn.putAsset("/app.js", "v2"); // the origin's notice purges /app.js everywhere
        assertThat(put.status()).isIn(200, 201);
        String[] purge = {null};
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode latest = cdn.api("GET", "/api/v1/purges?limit=1", null).json().get("purges").get(0);
            purge[0] = latest == null ? null : latest.get("id").asString();
            return latest != null && latest.get("urls").toString().contains("/app.js");
        });
        Cli.Run wait = Cli.run("purge", "--api", cdn.apiUri().toString(), "--token", Cdn.OPS, "--url",
                "http://" + Cdn.HOST + "/app.js", "--wait=10s");
        assertThat(wait.exit()).as(wait.out() + wait.err()).isZero();
        assertThat(wait.out()).contains("complete  5/6 edges").contains("fenced (unreachable, not waited for): "
                + "[\"eu-2\"]");
        JsonNode noticed = cdn.awaitStatus(purge[0]);
        assertThat(noticed.get("status").asString()).isEqualTo("complete");
        assertThat(noticed.get("fencedEdges").toString()).isEqualTo("[\"eu-2\"]");

        // Clients that still reach the partitioned edge: its lease ran out long ago, so it asks the origin.
        Cdn.Answer served = cdn.get("eu-2", "/app.js");
        assertThat(served.body()).isEqualTo("v2");
        assertThat(served.xCache()).isNotEqualTo("HIT");

        cdn.heal("eu-2");
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> cdn.steerable("eu-2"));
        assertThat(cdn.node("eu-2").get("fenced").asBoolean()).isFalse();
        cdn.get("eu-2", "/doc.html");
        assertThat(cdn.get("eu-2", "/app.js").body()).isEqualTo("v2");
    }
}
