package dev.outpost.origin.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.origin.OriginNode;
import dev.outpost.origin.assets.AssetWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary and its replica on real sockets: every PUT and DELETE reaches the replica, a synchronous write is
 * answered only once the replica has it, a replica restarted later continues from its position, and one further
 * behind than the primary's history copies everything again.
 */
class ReplicationIT {
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
    void putsAndDeletesOnThePrimaryReachTheReplica() {
        OriginNode primary = origins.primary("us");
        String cssEtag = origins.put(primary, "/css/site.css", "body { color: red }").etag();
        OriginNode replica = origins.replica("eu", "eu", primary.baseUri());
        origins.awaitCaughtUp(replica, primary);
        assertThat(origins.get(replica, "/css/site.css").etag()).isEqualTo(cssEtag);

        origins.put(primary, "/js/app.js", "console.log(1)");
        String newCss = origins.put(primary, "/css/site.css", "body { color: blue }").etag();
        origins.put(primary, "/hello world.txt", "spaces survive");
        assertThat(origins.delete(primary, "/js/app.js").code()).isEqualTo(200);
        origins.awaitCaughtUp(replica, primary);

        Origins.Answer css = origins.get(replica, "/css/site.css");
        assertThat(css.text()).isEqualTo("body { color: blue }");
        assertThat(css.etag()).isEqualTo(newCss);
        assertThat(origins.get(replica, "/hello%20world.txt").text()).isEqualTo("spaces survive");
        assertThat(origins.get(replica, "/js/app.js").code()).isEqualTo(404);
        assertThat(origins.files(replica)).isEqualTo(origins.files(primary));

        ReplicationStatus.ReplicaView seen = primary.replication().replicas().getFirst();
        assertThat(seen.name()).isEqualTo("eu");
        assertThat(seen.applied()).isEqualTo(primary.replication().head());
        assertThat(origins.metrics(replica).text()).contains("origin_replication_lag_entries 0.0")
                .contains("origin_replication_primary 0.0");
        assertThat(origins.metrics(primary).text()).contains("origin_replication_replica_applied{replica=\"eu\"} "
                + primary.replication().head() + ".0");
    }

    @Test
    void aReplicaTakesNoWritesAndServesOnlyOnceItCopiedItsPrimary() {
        OriginNode primary = origins.primary("us");
        origins.put(primary, "/a.txt", "from the primary");
        Origins.Answer refused = origins.put(origins.replica("eu", "eu", primary.baseUri()), "/b.txt", "no");
        assertThat(refused.code()).isEqualTo(409);
        assertThat(refused.text()).contains("read_only_replica");

        origins.stop(primary); // a new replica of a primary that is gone never becomes ready
        OriginNode orphan = origins.replica("ap", "ap", primary.baseUri());
        Origins.Answer notReady = origins.get(orphan, "/a.txt");
        assertThat(notReady.code()).isEqualTo(503);
        assertThat(notReady.text()).contains("replica_not_ready");
        assertThat(origins.call(orphan, new okhttp3.Request.Builder().url(orphan.baseUri() + "/_origin/health"))
                .code()).isEqualTo(503);
        assertThat(origins.promote(orphan).text()).contains("replica_not_ready");
    }

    @Test
    void aSynchronousWriteIsAnsweredOnlyOnceTheReplicaHasIt() {
        OriginNode primary = origins.primary("us", s -> s.withSync(1, Duration.ofSeconds(30)));
        OriginNode replica = origins.replica("eu", "eu", primary.baseUri());
        origins.put(primary, "/warm.txt", "the replica is connected once this is answered");
        for (int i = 0; i < 20; i++) {
            Origins.Answer put = origins.put(primary, "/sync/" + i + ".txt", "version " + i);
            assertThat(put.code()).isEqualTo(201);
            Origins.Answer copy = origins.get(replica, "/sync/" + i + ".txt");
            assertThat(copy.code()).as("the replica serves write " + i + " as soon as the primary answered it")
                    .isEqualTo(200);
            assertThat(copy.etag()).isEqualTo(put.etag());
        }
        assertThat(origins.delete(primary, "/sync/3.txt").code()).isEqualTo(200);
        assertThat(origins.get(replica, "/sync/3.txt").code()).isEqualTo(404);
    }

    @Test
    void aSynchronousWriteThatNoReplicaConfirmsIsAnswered504AndStaysOnThePrimary() {
        OriginNode primary = origins.primary("us", s -> s.withSync(1, Duration.ofMillis(300)));
        Origins.Answer put = origins.put(primary, "/lonely.txt", "no replica to confirm");
        assertThat(put.code()).isEqualTo(504);
        assertThat(put.text()).contains("replication_timeout").contains("0 of 1 replicas");
        assertThat(origins.get(primary, "/lonely.txt").text()).isEqualTo("no replica to confirm");
        assertThat(origins.metrics(primary).text()).contains("origin_replication_sync_timeouts_total 1.0");

        OriginNode replica = origins.replica("eu", "eu", primary.baseUri());
        origins.awaitCaughtUp(replica, primary);
        assertThat(origins.get(replica, "/lonely.txt").text()).as("the replica copies it when it can")
                .isEqualTo("no replica to confirm");
    }

    @Test
    void aReplicaStoppedAndStartedAgainContinuesFromItsPosition() {
        OriginNode primary = origins.primary("us");
        OriginNode replica = origins.replica("eu", "eu", primary.baseUri());
        origins.put(primary, "/kept.txt", "before the stop");
        origins.put(primary, "/doomed.txt", "deleted while the replica is down");
        origins.awaitCaughtUp(replica, primary);
        origins.stop(replica);

        for (int i = 0; i < 30; i++) {
            origins.put(primary, "/while-down/" + i + ".txt", "written while the replica was down " + i);
        }
        origins.delete(primary, "/doomed.txt");
        origins.put(primary, "/kept.txt", "changed while the replica was down");

        OriginNode restarted = origins.replica("eu", "eu", primary.baseUri());
        assertThat(origins.get(restarted, "/kept.txt").text()).as("served from its files before it caught up")
                .isIn("before the stop", "changed while the replica was down");
        origins.awaitCaughtUp(restarted, primary);
        assertThat(origins.files(restarted)).isEqualTo(origins.files(primary));
        ReplicationStatus.Following following = restarted.replication().following().orElseThrow();
        assertThat(following.resyncs()).as("continued from its position, no full copy").isZero();
        assertThat(following.entriesApplied()).isEqualTo(32);
    }

    @Test
    void aReplicaFurtherBehindThanThePrimarysHistoryCopiesEverythingAgain() throws IOException {
        OriginNode primary = origins.primary("us", s -> s.withHistoryEntries(10));
        OriginNode replica = origins.replica("eu", "eu", primary.baseUri());
        for (int i = 0; i < 5; i++) {
            origins.put(primary, "/old/" + i + ".txt", "old " + i);
        }
        origins.awaitCaughtUp(replica, primary);
        origins.stop(replica);

        for (int i = 0; i < 40; i++) {
            origins.put(primary, "/new/" + (i % 25) + ".txt", "new " + i);
        }
        origins.delete(primary, "/old/0.txt");
        origins.delete(primary, "/old/1.txt");
        assertThat(primary.replication().oldest()).as("the replica's position fell out of the history")
                .isGreaterThan(6);

        OriginNode restarted = origins.replica("eu", "eu", primary.baseUri());
        origins.awaitCaughtUp(restarted, primary);
        assertThat(origins.files(restarted)).isEqualTo(origins.files(primary)).hasSize(28);
        assertThat(restarted.replication().following().orElseThrow().resyncs()).isEqualTo(1);
        assertThat(origins.metrics(restarted).text()).contains("origin_replication_resyncs_total 1.0");
        try (Stream<Path> files = Files.walk(temp.resolve("eu"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.startsWith(AssetWriter.TEMP_PREFIX));
        }

        origins.put(primary, "/after-resync.txt", "streamed again");
        origins.awaitCaughtUp(restarted, primary);
        assertThat(origins.get(restarted, "/after-resync.txt").text()).isEqualTo("streamed again");
        await().atMost(Origins.PATIENCE).until(() ->
                primary.replication().replicas().getFirst().applied() == primary.replication().head());
    }
}
