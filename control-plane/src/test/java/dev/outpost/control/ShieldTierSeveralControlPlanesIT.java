package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.control.cluster.Instances;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.PostgresServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shield tier with two control planes on one PostgreSQL database (docs/high-availability.md): the shield is
 * pushed to and acks through one, the edge is the other's, and the other still holds the edge back until the
 * shield applied the entry, then pushes it at once. The poll interval is a minute (the most allowed) and the test
 * waits at most 20 seconds, so what releases the edge is the database's notification, not the fallback poll.
 */
class ShieldTierSeveralControlPlanesIT {
    @TempDir
    Path dataA;
    @TempDir
    Path dataB;

    private static String store(String url) {
        return "store: {engine: postgresql, url: \"" + url + "\", user: " + PostgresServer.USER
                + ", poolSize: 4, connectTimeout: 2s, pollInterval: 60s, instanceLease: 10m}\n";
    }

    private static Instances instances(ControlPlaneFixture cp) {
        return cp.plane().instances().orElseThrow();
    }

    /** The first id {@code prefix-N} that {@code owner} pushes to and the other control plane does not. */
    private static String ownedBy(ControlPlaneFixture owner, ControlPlaneFixture other, String prefix) {
        Predicate<String> mine = id -> instances(owner).owns(id) && !instances(other).owns(id);
        return IntStream.range(1, 200).mapToObj(i -> prefix + "-" + i).filter(mine).findFirst().orElseThrow();
    }

    @Test
    void theEdgesOfOneControlPlaneWaitForAShieldThatAcksToAnotherAndAreReleasedByItsNotification() throws Exception {
        String url = PostgresServer.shared().createDatabase("ha_shield");
        try (ControlPlaneFixture a = new ControlPlaneFixture(dataA, store(url));
                ControlPlaneFixture b = new ControlPlaneFixture(dataB, store(url))) {
            // each reads the other's lease now, not at its next renewal minutes away
            instances(a).renew();
            instances(b).renew();
            assertThat(instances(a).live()).hasSize(2);
            assertThat(instances(b).live()).hasSize(2);
            List<String> journal = new CopyOnWriteArrayList<>();
            FakeEdge shield = a.shield(ownedBy(a, b, "us-shield"), "us");
            FakeEdge edge = b.edge(ownedBy(b, a, "eu"), "eu");
            shield.journalTo(journal);
            edge.journalTo(journal);
            shield.hold();

            HttpReply accepted = a.post("/api/v1/purges", OPS, "{\"urls\":[\"http://www.example.com/app.js\"]}");
            assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(20)).until(() -> shield.receivedSequences().contains(1L));
            // B learned the entry (the append notified it) and holds it back: its catch-up hands nothing either
            await().atMost(Duration.ofSeconds(20)).until(() -> b.plane().log().lastSequence() == 1);
            assertThat(b.heartbeat(edge).json().get("entries")).isEmpty();
            assertThat(a.heartbeat(edge).json().get("entries")).isEmpty();
            assertThat(ShieldTierIT.tiers(b.get("/api/v1/purges/p-1", READER)))
                    .isEqualTo("shield 0/1, edge 0/1, waiting on shield");
            assertThat(edge.receivedSequences()).isEmpty();

            shield.resume(); // acks to A

            await().atMost(Duration.ofSeconds(20)).until(() -> edge.receivedSequences().contains(1L));
            assertThat(journal).containsSubsequence(shield.id() + " answered 200 to 1", edge.id() + " received 1");
            HttpReply done = b.get("/api/v1/purges/p-1?wait=15s", READER);
            assertThat(done.json().get("status").asString()).isEqualTo("complete");
            assertThat(ShieldTierIT.tiers(done)).isEqualTo("shield 1/1, edge 1/1, waiting on nothing");
            assertThat(ShieldTierIT.shieldIds(b.heartbeat(edge))).containsExactly(shield.id());
        }
    }
}
