package dev.outpost.origin.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promotion of a replica when its primary is lost: the replica takes writes in a new epoch; the old primary,
 * pointed at it, drops what only it had and copies the new primary; a replica that has seen the new epoch never
 * copies from the old primary again.
 */
class PromotionIT {
    @TempDir
    Path temp;

    private Origins origins;

    @BeforeEach
    void start() {
        origins = new Origins(temp);
    }

    @AfterEach
    void stop() {
        origins.close();
    }

    @Test
    void aPromotedReplicaTakesWritesAndTheOldPrimaryRejoinsAsItsReplica() {
        OriginNode primary = origins.primary("us");
        OriginNode replica = origins.replica("eu", "eu", primary.baseUri());
        origins.put(primary, "/shared.txt", "both have this");
        origins.awaitCaughtUp(replica, primary);
        // The replica falls behind, then the primary is lost with a change only it had.
        origins.stop(replica);
        origins.put(primary, "/only-on-the-old-primary.txt", "never replicated");
        origins.stop(primary);

        OriginNode survivor = origins.replica("eu", "eu", primary.baseUri());
        assertThat(origins.get(survivor, "/shared.txt").text()).isEqualTo("both have this");
        assertThat(origins.put(survivor, "/refused.txt", "not yet").code()).isEqualTo(409);

        Origins.Answer promoted = origins.promote(survivor);
        assertThat(promoted.code()).isEqualTo(200);
        assertThat(promoted.json().get("epoch").asLong()).isEqualTo(2);
        assertThat(promoted.json().get("firstSequence").asLong()).isEqualTo(2);
        assertThat(survivor.replication().role()).isEqualTo("primary");
        assertThat(origins.put(survivor, "/after-promotion.txt", "written on the new primary").code())
                .isEqualTo(201);
        assertThat(origins.promote(survivor).text()).contains("already_primary");

        // The old primary comes back as a replica of the new one: its change 2 (epoch 1) conflicts with the new
        // primary's change 2 (epoch 2), so it copies everything and loses the change only it had.
        OriginNode rejoined = origins.start(origins.config("us").withReplication(
                OriginConfig.Replication.replicaOf(survivor.baseUri(), Optional.of("us"))));
        origins.awaitCaughtUp(rejoined, survivor);
        assertThat(origins.files(rejoined)).isEqualTo(origins.files(survivor))
                .containsOnlyKeys("/shared.txt", "/after-promotion.txt");
        assertThat(rejoined.replication().following().orElseThrow().resyncs()).isEqualTo(1);
        assertThat(rejoined.replication().epoch()).isEqualTo(2);
        assertThat(origins.put(rejoined, "/x.txt", "a replica now").code()).isEqualTo(409);

        origins.put(survivor, "/streamed.txt", "in epoch 2");
        origins.awaitCaughtUp(rejoined, survivor);
        assertThat(origins.get(rejoined, "/streamed.txt").text()).isEqualTo("in epoch 2");
    }

    @Test
    void aReplicaThatHasSeenANewerEpochNeverCopiesFromTheOldPrimary() {
        OriginNode primary = origins.primary("us");
        OriginNode first = origins.replica("eu", "eu", primary.baseUri());
        origins.put(primary, "/v.txt", "version 1");
        origins.awaitCaughtUp(first, primary);
        origins.stop(primary);

        origins.promote(first);
        OriginNode second = origins.replica("ap", "ap", first.baseUri());
        origins.put(first, "/v.txt", "version 2, epoch 2");
        origins.awaitCaughtUp(second, first);
        assertThat(second.replication().epoch()).isEqualTo(2);
        origins.stop(second);

        // The old primary is started again as a primary, by mistake: it is still in epoch 1.
        OriginNode stale = origins.primary("us");
        origins.put(stale, "/v.txt", "version 3, written on the stale primary");
        OriginNode misdirected = origins.replica("ap", "ap", stale.baseUri());
        await().atMost(Origins.PATIENCE).until(() -> misdirected.replication().following().orElseThrow().state()
                .equals("refused"));
        ReplicationStatus.Following following = misdirected.replication().following().orElseThrow();
        assertThat(following.problem()).hasValueSatisfying(p -> assertThat(p).contains("epoch 2"));
        assertThat(origins.get(misdirected, "/v.txt").text()).isEqualTo("version 2, epoch 2");
        assertThat(stale.replication().replicas()).as("a refused replica confirms nothing").isEmpty();
    }
}
