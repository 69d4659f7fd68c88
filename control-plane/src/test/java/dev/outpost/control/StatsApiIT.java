package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.NODE;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Traffic batches on heartbeats, written behind and answered by {@code GET /api/v1/stats} over a real control plane:
 * a heartbeat sent again (its reply lost) counts once, a clean restart loses nothing, bad parameters are named.
 */
class StatsApiIT {
    /** The fixture's clock: 2026-01-01T00:00:00Z. */
    private static final long MINUTE = 1767225600000L;

    @TempDir
    Path data;
    private ControlPlaneFixture cp;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(data);
        cp.registerEdge("eu-1", "eu", "http://127.0.2.1:8080");
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    private HttpReply heartbeat(long batch, long minute, String service, long requests, long hits) {
        return cp.post("/api/v1/nodes/eu-1/heartbeat", NODE, """
                {"requests":%d,"hitRatio":0.5,"bytesCached":0,"appliedSequence":0,
                 "traffic":{"epoch":"edge-epoch-1","batch":%d,"counts":[{"minute":%d,"service":"%s",
                 "statusClass":"2xx","requests":%d,"hits":%d,"bytes":%d}]}}"""
                .formatted(requests, batch, minute, service, requests, hits, requests * 100));
    }

    private JsonNode stats(String query) {
        HttpReply reply = cp.get("/api/v1/stats" + query, READER);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    @Test
    void aHeartbeatSentAgainAfterItsReplyWasLostIsCountedOnce() {
        HttpReply first = heartbeat(1, MINUTE, "www", 10, 8);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header(Heartbeat.TRAFFIC_HEADER)).as("says it takes batches").isEqualTo("1");
        assertThat(heartbeat(1, MINUTE, "www", 10, 8).status()).as("the retry").isEqualTo(200);
        heartbeat(2, MINUTE, "www", 5, 1);

        JsonNode stats = stats("");
        assertThat(stats.get("requests").asLong()).isEqualTo(15);
        assertThat(stats.get("hits").asLong()).isEqualTo(9);
        assertThat(stats.get("hitRatio").asDouble()).isEqualTo(0.6);
        assertThat(stats.get("bytes").asLong()).isEqualTo(1500);
        assertThat(cp.get("/api/v1/metrics", null).body())
                .contains("controlplane_traffic_batches_total{result=\"counted\"} 2.0")
                .contains("controlplane_traffic_batches_total{result=\"duplicate\"} 1.0");
    }

    @Test
    void theDefaultRangeIsTheLastFifteenMinutesByMinuteAndAServiceCanBeChosen() {
        heartbeat(1, MINUTE, "www", 10, 8);
        heartbeat(2, MINUTE - 60_000, "img", 4, 4);

        JsonNode all = stats("");
        assertThat(all.get("from").asString()).isEqualTo("2025-12-31T23:46:00Z");
        assertThat(all.get("to").asString()).isEqualTo("2026-01-01T00:01:00Z");
        assertThat(all.get("minutes")).hasSize(15);
        JsonNode last = all.get("minutes").get(14);
        assertThat(last.get("minute").asString()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(last.get("requests").asLong()).isEqualTo(10);
        assertThat(last.get("hitRatio").asDouble()).isEqualTo(0.8);
        assertThat(last.get("statusClasses").get("2xx").asLong()).isEqualTo(10);
        assertThat(all.get("minutes").get(13).get("requests").asLong()).isEqualTo(4);
        assertThat(stats("?service=img").get("requests").asLong()).isEqualTo(4);
        assertThat(stats("?service=img&from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:30Z").get("requests")
                .asLong()).as("to is taken up to the whole minute").isZero();
        assertThat(stats("?from=2025-12-31T23:59:00Z&to=2026-01-01T00:01:00Z").get("minutes")).hasSize(2);
    }

    @Test
    void badParametersAreNamed() {
        assertThat(cp.get("/api/v1/stats?from=yesterday", READER).error()).isEqualTo("bad_from");
        assertThat(cp.get("/api/v1/stats?to=2026-13-01T00:00:00Z", READER).error()).isEqualTo("bad_to");
        HttpReply backwards = cp.get("/api/v1/stats?from=2026-01-01T00:10:00Z&to=2026-01-01T00:00:00Z", READER);
        assertThat(backwards.status()).isEqualTo(400);
        assertThat(backwards.error()).isEqualTo("bad_range");
        assertThat(cp.get("/api/v1/stats?from=2025-12-01T00:00:00Z&to=2026-01-01T00:00:00Z", READER).message())
                .contains("at most 24 hours");
        assertThat(cp.get("/api/v1/stats?service=a%20b", READER).error()).isEqualTo("bad_service");
        assertThat(cp.get("/api/v1/stats", null).status()).isEqualTo(401);
    }

    @Test
    void aCleanRestartWritesWhatWasCountedAndABatchSentAgainAfterItIsNotCountedTwice() {
        heartbeat(1, MINUTE, "www", 10, 8);
        cp.restart();

        assertThat(heartbeat(1, MINUTE, "www", 10, 8).status()).isEqualTo(200);
        assertThat(stats("").get("requests").asLong()).isEqualTo(10);
    }

    @Test
    void aHeartbeatWithoutTrafficStillWorksAsOldEdgesSendIt() {
        assertThat(cp.heartbeat("eu-1", 0, 0).status()).isEqualTo(200);
        assertThat(stats("").get("requests").asLong()).isZero();
    }
}
