package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Purges tier by tier (docs/caching-tiers.md, "Shield tier: purges, tier by tier"): a real control plane delivers
 * every entry to the shields first and to the other edges (live pushes and heartbeat catch-up alike) only once every
 * shield that counts applied it, so an edge never refills a purged object from a shield that still holds it; a
 * shield that stops heartbeating stops holding the edges back and is named to them again only once caught up.
 */
class ShieldTierIT {
    @TempDir
    Path data;
    private ControlPlaneFixture cp;

    @AfterEach
    void stop() {
        if (cp != null) {
            cp.close();
        }
    }

    private static final String EU_ONLY_PURGE = "{\"urls\":[\"http://www.example.com/app.js\"],\"regions\":[\"eu\"]}";

    static List<Long> sequences(JsonNode entries) {
        List<Long> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.get("sequence").asLong()));
        return out;
    }

    static List<String> shieldIds(HttpReply heartbeat) {
        List<String> out = new ArrayList<>();
        heartbeat.json().get("shields").forEach(s -> out.add(s.get("id").asString()));
        return out;
    }

    /** {@code shield applied/nodes, edge applied/nodes, waiting on} of an entry view. */
    static String tiers(HttpReply entry) {
        JsonNode tiers = entry.json().get("tiers");
        JsonNode waiting = entry.json().path("waitingOn");
        return "shield " + tiers.get("shield").get("applied").asInt() + "/" + tiers.get("shield").get("nodes").asInt()
                + ", edge " + tiers.get("edge").get("applied").asInt() + "/" + tiers.get("edge").get("nodes").asInt()
                + ", waiting on " + (waiting.isNull() || waiting.isMissingNode() ? "nothing" : waiting.asString());
    }

    @Test
    void anEdgeIsPushedAPurgeOnlyOnceTheShieldAppliedItEvenOneOfAnotherRegion() throws Exception {
        cp = new ControlPlaneFixture(data);
        List<String> journal = new CopyOnWriteArrayList<>();
        FakeEdge shield = cp.shield("us-shield", "us");
        FakeEdge edge = cp.edge("eu-1", "eu");
        shield.journalTo(journal);
        edge.journalTo(journal);
        shield.hold();

        HttpReply accepted = cp.post("/api/v1/purges", OPS, EU_ONLY_PURGE);
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        // the shield of us holds objects for eu's edges too: an eu purge reaches it, first
        await().atMost(Duration.ofSeconds(10)).until(() -> journal.contains("us-shield received 1"));

        HttpReply beat = cp.heartbeat(edge);
        assertThat(sequences(beat.json().get("entries"))).as("catch-up holds it back too").isEmpty();
        assertThat(beat.json().get("dueSequence").asLong()).as("not due before it may be handed").isZero();
        assertThat(beat.json().get("caughtUp").asBoolean()).isTrue();
        assertThat(tiers(cp.get("/api/v1/purges/p-1", READER))).isEqualTo("shield 0/1, edge 0/1, waiting on shield");
        assertThat(edge.receivedSequences()).isEmpty();

        shield.resume();

        await().atMost(Duration.ofSeconds(10)).until(() -> edge.receivedSequences().contains(1L));
        assertThat(journal).containsSubsequence("us-shield answered 200 to 1", "eu-1 received 1");
        HttpReply done = cp.get("/api/v1/purges/p-1?wait=10s", READER);
        assertThat(done.json().get("status").asString()).isEqualTo("complete");
        assertThat(tiers(done)).isEqualTo("shield 1/1, edge 1/1, waiting on nothing");
    }

    @Test
    void anEdgeCatchesUpOnAnEntryOnlyOnceTheShieldReportedItAndIsPushedItThen() throws Exception {
        cp = new ControlPlaneFixture(data);
        FakeEdge shield = cp.shield("us-shield", "us");
        FakeEdge edge = cp.edge("eu-1", "eu");
        shield.answer(503);
        edge.answer(503);

        cp.post("/api/v1/purges", OPS, EU_ONLY_PURGE);
        await().atMost(Duration.ofSeconds(10)).until(() -> cp.get("/api/v1/purges/p-1", READER).json()
                .get("status").asString().equals("partial"));
        assertThat(sequences(cp.heartbeat(edge).json().get("entries"))).isEmpty();
        assertThat(edge.receivedSequences()).as("nothing pushed to the edge").isEmpty();
        assertThat(tiers(cp.get("/api/v1/purges/p-1", READER))).isEqualTo("shield 0/1, edge 0/1, waiting on shield");

        // the shield catches up through its heartbeat and reports it applied
        HttpReply shieldBeat = cp.heartbeat(shield);
        assertThat(sequences(shieldBeat.json().get("entries"))).containsExactly(1L);
        cp.heartbeatAndCatchUp(shield);

        // released: pushed at once (the edge answers 503 here) and handed by its catch-up
        await().atMost(Duration.ofSeconds(10)).until(() -> edge.receivedSequences().contains(1L));
        assertThat(tiers(cp.get("/api/v1/purges/p-1", READER))).isEqualTo("shield 1/1, edge 0/1, waiting on edge");
        HttpReply edgeBeat = cp.heartbeat(edge);
        assertThat(sequences(edgeBeat.json().get("entries"))).containsExactly(1L);
        assertThat(edgeBeat.json().get("dueSequence").asLong()).isEqualTo(1);
        cp.heartbeatAndCatchUp(edge);
        HttpReply done = cp.get("/api/v1/purges/p-1?wait=10s", READER);
        assertThat(done.json().get("status").asString()).isEqualTo("complete");
        assertThat(tiers(done)).isEqualTo("shield 1/1, edge 1/1, waiting on nothing");
    }

    @Test
    void aSilentShieldStopsHoldingEdgesBackAndIsNamedAgainOnlyOnceCaughtUp() throws Exception {
        cp = new ControlPlaneFixture(data); // heartbeat: interval 1s, timeout 3s
        FakeEdge shield = cp.shield("us-shield", "us");
        FakeEdge edge = cp.edge("eu-1", "eu");
        assertThat(shieldIds(cp.heartbeat(edge))).containsExactly("us-shield");
        HttpReply nodes = cp.get("/api/v1/nodes", READER);
        assertThat(nodes.body()).contains("\"role\":\"shield\"");

        cp.clock.advance(Duration.ofSeconds(5)); // past the timeout and one interval
        assertThat(shieldIds(cp.heartbeat(edge))).as("unhealthy: not named").isEmpty();

        cp.post("/api/v1/purges", OPS, EU_ONLY_PURGE);
        await().atMost(Duration.ofSeconds(10)).until(() -> edge.receivedSequences().contains(1L));
        assertThat(shield.receivedSequences()).as("unhealthy when accepted: left to its catch-up").isEmpty();
        assertThat(tiers(cp.get("/api/v1/purges/p-1", READER))).isEqualTo("shield 0/1, edge 1/1, waiting on shield");

        // back, but behind what the edges were given: not named until it applied it
        HttpReply back = cp.heartbeat(shield);
        assertThat(sequences(back.json().get("entries"))).containsExactly(1L);
        assertThat(shieldIds(cp.heartbeat(edge))).as("healthy but behind the edges").isEmpty();

        cp.heartbeatAndCatchUp(shield);
        assertThat(shieldIds(cp.heartbeat(edge))).containsExactly("us-shield");
        // and it holds the edges back again
        shield.hold();
        cp.post("/api/v1/purges", OPS, EU_ONLY_PURGE);
        await().atMost(Duration.ofSeconds(10)).until(() -> shield.receivedSequences().contains(2L));
        assertThat(sequences(cp.heartbeat(edge).json().get("entries"))).isEmpty();
        shield.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> edge.receivedSequences().contains(2L));
    }

    @Test
    void withoutShieldsEntriesGoToEveryEdgeAtOnceAndTheTiersShowNoShield() throws Exception {
        cp = new ControlPlaneFixture(data);
        FakeEdge edge = cp.edge("eu-1", "eu");
        edge.hold();
        cp.post("/api/v1/purges", OPS, EU_ONLY_PURGE);
        await().atMost(Duration.ofSeconds(10)).until(() -> edge.receivedSequences().contains(1L));
        assertThat(tiers(cp.get("/api/v1/purges/p-1", READER))).isEqualTo("shield 0/0, edge 0/1, waiting on edge");
        edge.resume();
        HttpReply done = cp.get("/api/v1/purges/p-1?wait=10s", READER);
        assertThat(tiers(done)).isEqualTo("shield 0/0, edge 1/1, waiting on nothing");
        assertThat(shieldIds(cp.heartbeat(edge))).isEmpty();
    }
}
