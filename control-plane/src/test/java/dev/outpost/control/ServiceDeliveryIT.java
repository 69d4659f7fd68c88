package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.CONFIG;
import static dev.outpost.control.ControlPlaneFixture.NODE;
import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Configuration changes travel the invalidation log to fake edges over real HTTP: the config entry, then the purge
 * it needs; refusals recorded with the edge's reason; snapshots on registration and reset built from the service
 * tables (not the log, which compaction trims); each node's configuration version in the status; an edge that
 * missed a change is not steered to until it applied it.
 */
class ServiceDeliveryIT {
    private static final String SITE = """
            {"hosts":["www.example.com"],"origins":["http://127.0.0.1:8081"]}""";

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

    private JsonNode version(long v) {
        return cp.get("/api/v1/services/site/versions/" + v + "?wait=10s", READER).json();
    }

    @Test
    void aChangeOfOriginsIsDeliveredAsItsConfigEntryThenASoftPurgeOfTheServicesHosts() throws Exception {
        FakeEdge edge = cp.edge("eu-1", "eu");
        cp.put("/api/v1/services/site", CONFIG, SITE);

        HttpReply changed = cp.put("/api/v1/services/site", CONFIG, """
                {"hosts":["www.example.com"],"origins":["http://127.0.0.1:9091"]}""", "If-Match", "\"1\"");

        JsonNode purged = changed.json().get("purged");
        assertThat(purged.get("hosts")).extracting(JsonNode::asString).containsExactly("www.example.com");
        assertThat(purged.get("soft").asBoolean()).as("origins only: revalidate").isTrue();
        assertThat(purged.get("reasons")).extracting(JsonNode::asString).containsExactly("origins");
        long configSequence = changed.json().get("sequence").asLong();
        assertThat(purged.get("sequence").asLong()).isEqualTo(configSequence + 1);
        assertThat(purged.get("id").asString()).isEqualTo("p-" + (configSequence + 1));

        JsonNode v2 = version(2);
        assertThat(v2.get("progress").get("status").asString()).isEqualTo("complete");
        assertThat(v2.get("progress").get("edges").get(0).get("state").asString()).isEqualTo("applied");
        assertThat(cp.get("/api/v1/purges/" + purged.get("id").asString() + "?wait=10s", READER).json()
                .get("status").asString()).isEqualTo("complete");
        List<InvalidationEntry> received = edge.received();
        assertThat(received).extracting(InvalidationEntry::kind).containsExactly(InvalidationEntry.Kind.CONFIG,
                InvalidationEntry.Kind.CONFIG, InvalidationEntry.Kind.PURGE);
        assertThat(received.get(1).sequence()).isEqualTo(configSequence);
        assertThat(received.get(1).config().definition().origins().get(0).toString())
                .isEqualTo("http://127.0.0.1:9091");
        assertThat(received.get(2).hosts()).containsExactly("www.example.com");
        assertThat(received.get(2).soft()).isTrue();
        assertThat(edge.configVersion()).isEqualTo(2);
    }

    @Test
    void aChangeOfCacheKeyRulesOrADeletionPurgesHardAndAddedHostsOrSigningPurgeNothing() {
        cp.put("/api/v1/services/site", CONFIG, SITE);
        HttpReply hosts = cp.put("/api/v1/services/site", CONFIG, """
                {"hosts":["www.example.com","cdn.example.com"],"origins":["http://127.0.0.1:8081"]}""",
                "If-Match", "\"1\"");
        assertThat(hosts.json().path("purged").isNull() || hosts.json().path("purged").isMissingNode()).isTrue();

        HttpReply keys = cp.put("/api/v1/services/site", CONFIG, """
                {"hosts":["www.example.com"],"origins":["http://127.0.0.1:8081"],
                 "cacheKey":{"sortParams":false}}""", "If-Match", "\"2\"");
        assertThat(keys.json().get("purged").get("soft").asBoolean()).isFalse();
        assertThat(keys.json().get("purged").get("hosts")).extracting(JsonNode::asString)
                .containsExactly("www.example.com", "cdn.example.com");
        assertThat(keys.json().get("purged").get("reasons")).extracting(JsonNode::asString)
                .containsExactly("cacheKey", "hosts removed [cdn.example.com]");

        HttpReply deleted = cp.delete("/api/v1/services/site", CONFIG, "If-Match", "\"3\"");
        assertThat(deleted.json().get("purged").get("soft").asBoolean()).isFalse();
        assertThat(deleted.json().get("purged").get("reasons")).extracting(JsonNode::asString)
                .containsExactly("service deleted");
    }

    @Test
    void aRefusedChangeIsRecordedWithTheEdgesReasonAndDoesNotHoldBackLaterEntries() throws Exception {
        FakeEdge refuser = cp.edge("eu-1", "eu");
        FakeEdge taker = cp.edge("eu-2", "eu");
        cp.put("/api/v1/services/site", CONFIG, SITE);
        refuser.refuseConfig(2, "origin http://127.0.0.1:9091 is this edge itself");

        cp.put("/api/v1/services/site", CONFIG, """
                {"hosts":["www.example.com"],"origins":["http://127.0.0.1:9091"]}""", "If-Match", "\"1\"");

        JsonNode v2 = version(2);
        assertThat(v2.get("progress").get("status").asString()).isEqualTo("failed");
        assertThat(v2.get("progress").get("deadLetteredEdges")).extracting(JsonNode::asString)
                .containsExactly("eu-1");
        JsonNode refused = v2.get("progress").get("edges").get(0);
        assertThat(refused.get("state").asString()).isEqualTo("dead_lettered");
        assertThat(refused.get("detail").asString())
                .isEqualTo("refused by the edge: origin http://127.0.0.1:9091 is this edge itself");
        assertThat(v2.get("progress").get("edges").get(1).get("state").asString()).isEqualTo("applied");
        JsonNode letters = cp.get("/api/v1/dead-letters?node=eu-1", READER).json().get("deadLetters");
        assertThat(letters).singleElement().satisfies(l -> {
            assertThat(l.get("kind").asString()).isEqualTo("config");
            assertThat(l.get("id").asString()).isEqualTo(v2.get("id").asString());
        });

        // the purge logged right after it, and a later one, still reach the refusing edge in order
        HttpReply later = cp.post("/api/v1/purges", OPS, "{\"urls\":[\"http://www.example.com/a.css\"]}");
        assertThat(cp.get("/api/v1/purges/" + later.json().get("id").asString() + "?wait=10s", READER).json()
                .get("status").asString()).isEqualTo("complete");
        assertThat(refuser.receivedSequences()).endsWith(v2.get("sequence").asLong(),
                v2.get("sequence").asLong() + 1, later.json().get("sequence").asLong());
        assertThat(refuser.configVersion()).isEqualTo(1);
        assertThat(taker.configVersion()).isEqualTo(2);
    }

    @Test
    void aRefusedChangeIsRetriedWhileItIsTheNewestVersionAndNotOnceSuperseded() throws Exception {
        FakeEdge edge = cp.edge("eu-1", "eu");
        edge.refuseConfig(1, "not today");
        cp.put("/api/v1/services/site", CONFIG, SITE);
        long first = version(1).get("sequence").asLong();
        edge.acceptConfig(1);

        HttpReply retried = cp.post("/api/v1/dead-letters/" + first + "/eu-1/retry", CONFIG, "");
        assertThat(retried.status()).as(retried.body()).isEqualTo(200);
        assertThat(retried.json().get("state").asString()).isEqualTo("applied");
        assertThat(edge.configVersion()).isEqualTo(1);

        edge.refuseConfig(2, "not today either");
        cp.put("/api/v1/services/site", CONFIG, """
                {"hosts":["www.example.com"],"origins":["http://127.0.0.1:9091"]}""", "If-Match", "\"1\"");
        long second = version(2).get("sequence").asLong();
        cp.put("/api/v1/services/blog", CONFIG, """
                {"hosts":["blog.example.com"],"origins":["http://127.0.0.1:8082"]}""");
        assertThat(cp.get("/api/v1/services/blog/versions/3?wait=10s", READER).json().get("progress")
                .get("status").asString()).isEqualTo("complete");
        edge.acceptConfig(2);

        HttpReply superseded = cp.post("/api/v1/dead-letters/" + second + "/eu-1/retry", CONFIG, "");
        assertThat(superseded.status()).isEqualTo(409);
        assertThat(superseded.json().get("error").asString()).isEqualTo("config_superseded");
        assertThat(cp.post("/api/v1/dead-letters/" + second + "/eu-1/retry", OPS, "").status())
                .as("a config dead letter takes scope config").isEqualTo(403);
    }

    @Test
    void aRefusalReportedFromCatchUpIsRecordedLikeALiveOne() throws Exception {
        FakeEdge edge = cp.edge("eu-1", "eu");
        edge.answer(503); // live pushes do not get through: the entry reaches it by catch-up
        cp.put("/api/v1/services/site", CONFIG, SITE);
        long sequence = cp.get("/api/v1/services/site/versions/1", READER).json().get("sequence").asLong();

        HttpReply beat = cp.post("/api/v1/nodes/eu-1/heartbeat", NODE, ("{\"requests\":1,\"hitRatio\":0,"
                + "\"bytesCached\":0,\"appliedSequence\":%d,\"results\":[{\"sequence\":%d,\"result\":"
                + "\"{\\\"version\\\":1,\\\"applied\\\":false,\\\"reason\\\":\\\"host www.example.com is taken\\\"}\"}]}")
                .formatted(sequence, sequence));

        assertThat(beat.status()).isEqualTo(200);
        JsonNode edgeState = version(1).get("progress").get("edges").get(0);
        assertThat(edgeState.get("state").asString()).isEqualTo("dead_lettered");
        assertThat(edgeState.get("detail").asString()).isEqualTo("refused by the edge: host www.example.com is taken");
    }

    @Test
    void aRegistrationAfterCompactionGetsTheWholeConfigurationFromTheServiceTables() throws Exception {
        cp.put("/api/v1/services/site", CONFIG, SITE);
        cp.put("/api/v1/services/blog", CONFIG, """
                {"hosts":["blog.example.com"],"origins":["http://127.0.0.1:8082"]}""");
        cp.put("/api/v1/services/site", CONFIG, """
                {"hosts":["www.example.com"],"origins":["http://127.0.0.1:9091"]}""", "If-Match", "\"1\"");
        cp.post("/api/v1/purges", OPS, "{\"urls\":[\"http://www.example.com/a.css\"]}");
        cp.clock.advance(Duration.ofDays(30)); // past the log's retention
        assertThat(cp.plane().log().compact(Duration.ofHours(24))).isPositive();
        assertThat(cp.plane().log().entry(1)).isEmpty();

        HttpReply empty = cp.post("/api/v1/nodes/register", NODE, """
                {"id":"eu-1","kind":"edge","region":"eu","publicUrl":"http://127.0.2.1:8080",
                 "adminUrl":"http://127.0.0.1:9","appliedSequence":0,"cacheEmpty":true}""");
        JsonNode snapshot = empty.json().get("services");
        assertThat(snapshot.get("version").asLong()).isEqualTo(3);
        assertThat(snapshot.get("services")).extracting(s -> s.get("name").asString()).containsExactly("blog", "site");
        assertThat(snapshot.get("services").get(1).get("origins").get(0).asString()).isEqualTo("http://127.0.0.1:9091");

        // an edge that held entries up to the first change only: behind the kept log, it is reset, and the reset
        // carries the configuration as of the reset's sequence
        HttpReply behind = cp.post("/api/v1/nodes/register", NODE, """
                {"id":"eu-2","kind":"edge","region":"eu","publicUrl":"http://127.0.2.2:8080",
                 "adminUrl":"http://127.0.0.1:9","appliedSequence":1,"cacheEmpty":false}""");
        assertThat(behind.json().get("services").get("version").asLong()).as("as of sequence 1").isEqualTo(1);
        HttpReply reset = cp.post("/api/v1/nodes/eu-2/heartbeat", NODE,
                "{\"requests\":0,\"hitRatio\":0,\"bytesCached\":0,\"appliedSequence\":1}");
        assertThat(reset.json().get("reset").asBoolean()).isTrue();
        assertThat(reset.json().get("services").get("version").asLong()).isEqualTo(3);
        assertThat(reset.json().get("services").get("services")).hasSize(2);
    }

    @Test
    void theStatusShowsEachEdgesConfigVersionAndWhetherItIsCurrent() throws Exception {
        cp.put("/api/v1/services/site", CONFIG, SITE);
        cp.put("/api/v1/services/site", CONFIG, """
                {"hosts":["www.example.com"],"origins":["http://127.0.0.1:9091"]}""", "If-Match", "\"1\"");
        cp.registerEdge("eu-1", "eu", "http://127.0.2.1:8080");
        cp.registerEdge("eu-2", "eu", "http://127.0.2.2:8080");
        heartbeatWithConfig("eu-1", 2);
        heartbeatWithConfig("eu-2", 1);

        JsonNode nodes = cp.get("/api/v1/nodes", READER).json().get("nodes");

        assertThat(nodes.get(0).get("configVersion").asLong()).isEqualTo(2);
        assertThat(nodes.get(0).get("configCurrent").asBoolean()).isTrue();
        assertThat(nodes.get(1).get("configVersion").asLong()).isEqualTo(1);
        assertThat(nodes.get(1).get("configCurrent").asBoolean()).isFalse();
    }

    private void heartbeatWithConfig(String id, long configVersion) {
        HttpReply reply = cp.post("/api/v1/nodes/" + id + "/heartbeat", NODE, ("{\"requests\":0,\"hitRatio\":0,"
                + "\"bytesCached\":0,\"appliedSequence\":%d,\"configVersion\":%d}")
                .formatted(cp.plane().log().lastSequence(), configVersion));
        assertThat(reply.status()).isEqualTo(200);
    }

    @Test
    void anEdgeThatMissedAConfigChangeIsNotSteeredToUntilItAppliedIt() throws Exception {
        FakeEdge edge = cp.edge("eu-1", "eu");
        edge.answer(503); // down for its admin API while the change is made

        cp.put("/api/v1/services/site", CONFIG, SITE);
        long sequence = cp.get("/api/v1/services/site/versions/1", READER).json().get("sequence").asLong();
        awaitBehind(sequence);

        JsonNode lagging = cp.get("/api/v1/nodes", READER).json().get("nodes").get(0);
        assertThat(lagging.get("caughtUp").asBoolean()).isFalse();
        assertThat(lagging.get("dueSequence").asLong()).isEqualTo(sequence);
        assertThat(cp.steer("127.0.2.9", "/a.css").status()).as("no steerable edge").isNotEqualTo(302);

        edge.answer(200);
        cp.heartbeatAndCatchUp(edge);

        assertThat(edge.configVersion()).as("applied from the catch-up page").isEqualTo(1);
        assertThat(cp.get("/api/v1/nodes", READER).json().get("nodes").get(0).get("caughtUp").asBoolean()).isTrue();
        assertThat(cp.steer("127.0.2.9", "/a.css").header("Location")).startsWith(
                edge.registration().publicUrl().toString());
    }

    /** Waits (on the log's own monitor, no sleeping) until the live push to the edge failed and it is behind. */
    private void awaitBehind(long sequence) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            String state = cp.get("/api/v1/services/site/versions/1", READER).json().get("progress").get("edges")
                    .get(0).get("state").asString();
            if (state.equals("behind")) {
                return;
            }
            cp.plane().log().awaitComplete(sequence, Duration.ofMillis(50));
        }
        throw new AssertionError("entry " + sequence + " never fell behind");
    }
}
