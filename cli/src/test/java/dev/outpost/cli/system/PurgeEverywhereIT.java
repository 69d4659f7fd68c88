package dev.outpost.cli.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Purges through the control plane's API reach all six edges; the next request on each edge goes upstream. */
class PurgeEverywhereIT {
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

    private void assertCompleteOnAllSix(String id) {
        JsonNode status = cdn.awaitStatus(id);
        assertThat(status.get("status").asString()).as(status.toString()).isEqualTo("complete");
        assertThat(status.get("edgesApplied").asInt()).isEqualTo(6);
        assertThat(status.get("edgesTotal").asInt()).isEqualTo(6);
        for (JsonNode edge : status.get("edges")) {
            assertThat(edge.get("state").asString()).isEqualTo("applied");
            assertThat(edge.get("appliedAt").isNull()).isFalse();
        }
    }

    private void assertNextRequestOnEveryEdgeIs(String path, String xCache) {
        for (String edge : Cdn.EDGES) {
            assertThat(cdn.get(edge, path).xCache()).as("%s on %s", path, edge).isEqualTo(xCache);
        }
    }

    @Test
    void purgeByUrlReachesAllSixEdgesAndTheNextRequestIsAMiss() {
        cdn.warm("/app.js");
        cdn.warm("/doc.html");
        String id = cdn.purge("{\"urls\":[\"http://" + Cdn.HOST + "/app.js\"]}");
        assertCompleteOnAllSix(id);
        assertNextRequestOnEveryEdgeIs("/app.js", "MISS");
        assertNextRequestOnEveryEdgeIs("/doc.html", "HIT");
    }

    @Test
    void purgeByPrefixReachesAllSixEdges() {
        cdn.warm("/img/a.png");
        cdn.warm("/img/b.png");
        cdn.warm("/app.js");
        assertCompleteOnAllSix(cdn.purge("{\"prefixes\":[\"http://" + Cdn.HOST + "/img/\"]}"));
        assertNextRequestOnEveryEdgeIs("/img/a.png", "MISS");
        assertNextRequestOnEveryEdgeIs("/img/b.png", "MISS");
        assertNextRequestOnEveryEdgeIs("/app.js", "HIT");
    }

    @Test
    void purgeByTagReachesAllSixEdges() {
        cdn.warm("/css/site.css");
        cdn.warm("/css/print.css");
        cdn.warm("/app.js");
        assertCompleteOnAllSix(cdn.purge("{\"tags\":[\"css\"]}"));
        assertNextRequestOnEveryEdgeIs("/css/site.css", "MISS");
        assertNextRequestOnEveryEdgeIs("/css/print.css", "MISS");
        assertNextRequestOnEveryEdgeIs("/app.js", "HIT");
    }

    @Test
    void purgeOfEverythingReachesAllSixEdges() {
        cdn.warm("/app.js");
        cdn.warm("/css/site.css");
        assertCompleteOnAllSix(cdn.purge("{\"all\":true,\"confirmPurgeAll\":true}"));
        assertNextRequestOnEveryEdgeIs("/app.js", "MISS");
        assertNextRequestOnEveryEdgeIs("/css/site.css", "MISS");
    }

    @Test
    void softPurgeMakesTheNextRequestOnEveryEdgeARevalidation() {
        cdn.warm("/app.js");
        assertCompleteOnAllSix(cdn.purge("{\"urls\":[\"http://" + Cdn.HOST + "/app.js\"],\"soft\":true}"));
        assertNextRequestOnEveryEdgeIs("/app.js", "REVALIDATED");
        assertNextRequestOnEveryEdgeIs("/app.js", "HIT");
    }

    @Test
    void aPurgeLimitedToARegionReachesOnlyItsEdges() {
        cdn.warm("/app.js");
        String id = cdn.purge("{\"urls\":[\"http://" + Cdn.HOST + "/app.js\"],\"regions\":[\"eu\"]}");
        JsonNode status = cdn.awaitStatus(id);
        assertThat(status.get("status").asString()).isEqualTo("complete");
        assertThat(status.get("edgesTotal").asInt()).isEqualTo(2);
        assertThat(cdn.get("eu-1", "/app.js").xCache()).isEqualTo("MISS");
        assertThat(cdn.get("eu-2", "/app.js").xCache()).isEqualTo("MISS");
        assertThat(cdn.get("us-1", "/app.js").xCache()).isEqualTo("HIT");
        assertThat(cdn.get("ap-2", "/app.js").xCache()).isEqualTo("HIT");
    }

    @Test
    void aLivePushOfAnEntryAlreadyAppliedIsAcknowledgedButNotAppliedAgain() {
        assertCompleteOnAllSix(cdn.purge("{\"tags\":[\"css\"]}"));
        cdn.warm("/css/site.css");
        long applied = cdn.edge("eu-1").appliedSequence();
        assertThat(applied).isPositive();
        HttpReply again = cdn.adminPurge("eu-1", applied, "{\"tags\":[\"css\"]}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("alreadyApplied").asBoolean()).isTrue();
        assertThat(cdn.get("eu-1", "/css/site.css").xCache()).isEqualTo("HIT");
    }

    @Test
    void heartbeatsReportEachEdgesStatsAndAppliedSequence() {
        cdn.warm("/app.js");
        String id = cdn.purge("{\"all\":true,\"confirmPurgeAll\":true}");
        assertCompleteOnAllSix(id);
        long sequence = cdn.awaitStatus(id).get("sequence").asLong();
        org.awaitility.Awaitility.await().atMost(Cdn.PATIENCE).untilAsserted(() -> {
            for (String edge : Cdn.EDGES) {
                JsonNode node = cdn.node(edge);
                assertThat(node.get("requests").asLong()).as(edge).isGreaterThanOrEqualTo(2);
                assertThat(node.get("hitRatio").asDouble()).as(edge).isGreaterThan(0);
                assertThat(node.get("appliedSequence").asLong()).isEqualTo(sequence);
            }
        });
        assertThat(Cdn.EDGES).allMatch(e -> cdn.edge(e).appliedSequence() == sequence);
        assertThat(cdn.get("ap-2", "/_edge/health").body()).contains("\"appliedSequence\":" + sequence);
    }
}
