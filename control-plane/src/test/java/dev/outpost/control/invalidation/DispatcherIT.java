package dev.outpost.control.invalidation;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.control.ControlPlaneConfig.HeartbeatSettings;
import dev.outpost.control.DeliverySettings;
import dev.outpost.control.FakeEdge;
import dev.outpost.control.registry.NodeStore;
import dev.outpost.control.registry.Registry;
import dev.outpost.testkit.ManualClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DispatcherIT {
    private final ManualClock clock = ManualClock.startingAt("2026-01-01T00:00:00Z");
    private final List<FakeEdge> edges = new ArrayList<>();
    private InvalidationLog log;
    private NodeStore nodeStore;
    private Registry registry;
    private Dispatcher dispatcher;

    @BeforeEach
    void start(@TempDir Path dir) {
        log = InvalidationLog.open(dir, clock);
        nodeStore = NodeStore.open(dir);
        registry = new Registry(clock, new HeartbeatSettings(Duration.ofSeconds(1), Duration.ofSeconds(3)), log,
                nodeStore);
        OkHttpClient client = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(2)).build();
        // no retries within a test unless it asks for them (see retrying())
        dispatcher = new Dispatcher(log, registry, client, Optional.of("edge-secret-0123456"),
                new DeliverySettings(Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1)));
    }

    @AfterEach
    void stop() {
        dispatcher.close();
        nodeStore.close();
        log.close();
        edges.forEach(FakeEdge::close);
    }

    private FakeEdge edge(String id, String region) throws IOException {
        FakeEdge edge = new FakeEdge(id, region);
        edges.add(edge);
        edge.registered(registry.register(edge.registration()).appliedSequence());
        return edge;
    }

    private static NewEntry purge(String path, String... regions) {
        return NewEntry.purgeUrls(List.of("http://www.example.com" + path)).inRegions(List.of(regions));
    }

    @Test
    void purgeReachesEveryEdgeInScopeWithTheTokenAndTurnsComplete() throws Exception {
        List<FakeEdge> all = List.of(edge("us-1", "us"), edge("us-2", "us"), edge("eu-1", "eu"),
                edge("eu-2", "eu"), edge("ap-1", "ap"), edge("ap-2", "ap"));
        LoggedEntry logged = dispatcher.submit(purge("/app.js"), "ops");

        assertThat(log.awaitComplete(logged.sequence(), Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
        for (FakeEdge edge : all) {
            assertThat(edge.receivedSequences()).as(edge.id()).containsExactly(logged.sequence());
            assertThat(edge.authorizations()).containsExactly("Bearer edge-secret-0123456");
        }
        assertThat(edge("late", "us").receivedSequences()).isEmpty();
        assertThat(log.deliveries(logged.sequence())).hasSize(6)
                .allSatisfy(d -> assertThat(d.appliedAt()).isPresent());
    }

    @Test
    void purgeLimitedToARegionReachesOnlyThatRegionsEdges() throws Exception {
        FakeEdge us = edge("us-1", "us");
        FakeEdge eu = edge("eu-1", "eu");
        LoggedEntry logged = dispatcher.submit(purge("/a", "eu"), "ops");

        assertThat(log.awaitComplete(logged.sequence(), Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
        assertThat(eu.receivedSequences()).containsExactly(logged.sequence());
        assertThat(us.receivedSequences()).isEmpty();
        assertThat(log.deliveries(logged.sequence())).extracting(Delivery::node).containsExactly("eu-1");
    }

    @Test
    void manyPurgesReachEachEdgeInSequenceOrder() throws Exception {
        FakeEdge eu = edge("eu-1", "eu");
        FakeEdge eu2 = edge("eu-2", "eu");
        long last = 0;
        for (int i = 0; i < 20; i++) {
            last = dispatcher.submit(purge("/" + i), "ops").sequence();
        }
        assertThat(log.awaitComplete(last, Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
        assertThat(eu.receivedSequences()).isSorted().hasSize(20);
        assertThat(eu2.receivedSequences()).isSorted().hasSize(20);
    }

    @Test
    void edgeThatWasDownCatchesUpInOrderOnItsHeartbeatAndStatusTurnsComplete() throws Exception {
        FakeEdge up = edge("eu-1", "eu");
        FakeEdge down = edge("eu-2", "eu");
        // eu-2 stops heartbeating: after the timeout it is unhealthy and not tried at all
        clock.advance(Duration.ofSeconds(4));
        registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, up.applied()));
        List<Long> sequences = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sequences.add(dispatcher.submit(purge("/" + i), "ops").sequence());
        }
        long last = sequences.get(2);
        await().atMost(10, SECONDS).until(() -> sequences.stream().allMatch(seq -> log.deliveries(seq).stream()
                .anyMatch(d -> d.node().equals("eu-1") && d.state() == Delivery.State.APPLIED)));
        assertThat(log.status(last)).isEqualTo(EntryStatus.PARTIAL);
        assertThat(down.receivedSequences()).isEmpty();
        assertThat(registry.steerable(registry.node("eu-2").orElseThrow())).isFalse();

        HeartbeatReply reply = registry.heartbeat("eu-2", new Heartbeat(0, 0, 0, 0)).orElseThrow();
        assertThat(reply.entries()).extracting(InvalidationEntry::sequence).containsExactlyElementsOf(sequences);
        assertThat(reply.caughtUp()).isFalse();
        assertThat(registry.steerable(registry.node("eu-2").orElseThrow())).as("healthy but behind").isFalse();

        down.applyCatchUp(reply.entries());
        registry.heartbeat("eu-2", new Heartbeat(0, 0, 0, down.applied()));
        assertThat(registry.steerable(registry.node("eu-2").orElseThrow())).isTrue();
        for (long seq : sequences) {
            assertThat(log.status(seq)).isEqualTo(EntryStatus.COMPLETE);
        }
    }

    @Test
    void failedPushLeavesLaterEntriesToTheOrderedCatchUpInsteadOfOvertaking() throws Exception {
        FakeEdge edge = edge("eu-1", "eu");
        edge.answer(503);
        long first = dispatcher.submit(purge("/1"), "ops").sequence();
        await().atMost(10, SECONDS).until(() -> log.status(first) == EntryStatus.PARTIAL);
        edge.answer(200);
        long second = dispatcher.submit(purge("/2"), "ops").sequence();
        await().atMost(10, SECONDS).until(() -> log.status(second) == EntryStatus.PARTIAL);

        assertThat(edge.receivedSequences()).containsExactly(first);
        assertThat(log.deliveries(first).get(0).detail()).contains("edge answered 503");
        HeartbeatReply reply = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow();
        assertThat(reply.entries()).extracting(InvalidationEntry::sequence).containsExactly(first, second);
    }

    @Test
    void edgeRegisteredWithAnOldSequenceGetsNewEntriesOnlyAfterItCaughtUpOnTheOlderOnes() throws Exception {
        long old = dispatcher.submit(purge("/old"), "ops").sequence();
        FakeEdge edge = new FakeEdge("eu-1", "eu");
        edges.add(edge);
        registry.register(new dev.outpost.common.wire.NodeRegistration("eu-1",
                dev.outpost.common.wire.NodeRegistration.Kind.EDGE, "eu", edge.adminUrl(),
                Optional.of(edge.adminUrl()), 0, false));
        long fresh = dispatcher.submit(purge("/fresh"), "ops").sequence();
        await().atMost(10, SECONDS).until(() -> log.status(fresh) == EntryStatus.PARTIAL);
        assertThat(edge.receivedSequences()).as("not pushed ahead of the missed entry").isEmpty();

        HeartbeatReply reply = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow();
        assertThat(reply.entries()).extracting(InvalidationEntry::sequence).containsExactly(old, fresh);
        registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, fresh));
        long next = dispatcher.submit(purge("/next"), "ops").sequence();
        assertThat(log.awaitComplete(next, Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
        assertThat(edge.receivedSequences()).containsExactly(next);
        assertThat(registry.steerable(registry.node("eu-1").orElseThrow())).isTrue();
    }

    @Test
    void liveAckKeepsTheEdgeCaughtUpWithoutWaitingForItsHeartbeat() throws Exception {
        edge("eu-1", "eu");
        long seq = dispatcher.submit(purge("/a"), "ops").sequence();
        assertThat(log.awaitComplete(seq, Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
        assertThat(registry.node("eu-1").orElseThrow().appliedSequence()).isEqualTo(seq);
        assertThat(registry.steerable(registry.node("eu-1").orElseThrow())).isTrue();
    }

    @Test
    void edgeRefusingConnectionsIsMarkedBehind() throws Exception {
        FakeEdge edge = edge("eu-1", "eu");
        edge.close();
        long seq = dispatcher.submit(purge("/1"), "ops").sequence();
        await().atMost(10, SECONDS).until(() -> log.status(seq) == EntryStatus.PARTIAL);
        assertThat(log.deliveries(seq).get(0).detail()).hasValueSatisfying(d -> assertThat(d).contains("push failed"));
    }

    @Test
    void edgesThatLeftKeepNoLaneAndOneBackUnderItsIdGetsItsEntriesInOrder() throws Exception {
        // edges come and go (a restarted container registers under a new id): each had a lane while it got entries
        FakeEdge staying = edge("eu-0", "eu");
        for (int i = 1; i <= 20; i++) {
            edge("eu-" + i, "eu");
            long seq = dispatcher.submit(purge("/" + i), "ops").sequence();
            assertThat(log.awaitComplete(seq, Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
            assertThat(registry.remove("eu-" + i)).isTrue();
        }
        await().atMost(10, SECONDS).untilAsserted(() -> assertThat(dispatcher.openLanes())
                .as("no lane is left of the edges that went, nor of an idle one").isZero());

        FakeEdge back = edge("eu-7", "eu"); // the same id again, a new process
        List<Long> sequences = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sequences.add(dispatcher.submit(purge("/again-" + i), "ops").sequence());
        }
        assertThat(log.awaitComplete(sequences.get(9), Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
        assertThat(back.receivedSequences()).as("a new lane, in sequence order").containsExactlyElementsOf(sequences);
        assertThat(staying.receivedSequences()).hasSize(30).isSorted();
        await().atMost(10, SECONDS).untilAsserted(() -> assertThat(dispatcher.openLanes()).isZero());
    }

    @Test
    void anEntryAnotherControlPlaneSetAsideIsPushedByTheEdgesOwnerWhenItLearnsIt() throws Exception {
        // several control planes on one log: this one owns eu-1 (and has no retry within the test)
        dispatcher.close();
        dispatcher = new Dispatcher(log, registry, new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(2))
                .build(), Optional.of("edge-secret-0123456"), new DeliverySettings(Duration.ofHours(1),
                Duration.ofHours(1), Duration.ofHours(1)), DeliveryObserver.NONE, edgeId -> true);
        FakeEdge edge = edge("eu-1", "eu");
        // another control plane appended it and, counting eu-1 its own for a moment with a stale view of its mark,
        // set it aside instead of pushing it
        LoggedEntry logged = log.append(purge("/set-aside"), List.of("eu-1"), "ops");
        log.markBehind(logged.sequence(), "eu-1", "earlier entries not yet applied; retried in order, and sent on "
                + "its heartbeat");

        dispatcher.deliverNew(); // what this one's change feed does when it learns the entry
        assertThat(log.awaitComplete(logged.sequence(), Duration.ofSeconds(10))).as("pushed by the owner, no heartbeat")
                .isEqualTo(EntryStatus.COMPLETE);
        assertThat(edge.receivedSequences()).containsExactly(logged.sequence());
        long next = dispatcher.submit(purge("/next"), "ops").sequence();
        assertThat(log.awaitComplete(next, Duration.ofSeconds(10))).as("and the later ones follow it")
                .isEqualTo(EntryStatus.COMPLETE);
        assertThat(edge.receivedSequences()).containsExactly(logged.sequence(), next);
    }

    /** A dispatcher that retries quickly, replacing the one of {@link #start}. */
    private Dispatcher retrying() {
        dispatcher.close();
        OkHttpClient client = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(2)).build();
        dispatcher = new Dispatcher(log, registry, client, Optional.of("edge-secret-0123456"),
                new DeliverySettings(Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofHours(1)));
        return dispatcher;
    }

    @Test
    void controlPlaneRetriesAFailedPushItselfInOrderUntilTheEdgeTakesItWithoutWaitingForAHeartbeat()
            throws Exception {
        retrying();
        FakeEdge edge = edge("eu-1", "eu");
        edge.answer(503);
        long first = dispatcher.submit(purge("/1"), "ops").sequence();
        long second = dispatcher.submit(purge("/2"), "ops").sequence();
        await().atMost(10, SECONDS).until(() -> edge.receivedSequences().size() >= 3);
        assertThat(log.status(second)).isEqualTo(EntryStatus.PARTIAL);

        edge.answer(200); // the partition heals; the edge sends no heartbeat in this test
        assertThat(log.awaitComplete(second, Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
        assertThat(log.status(first)).isEqualTo(EntryStatus.COMPLETE);
        List<Long> acked = edge.receivedSequences().subList(edge.receivedSequences().size() - 2,
                edge.receivedSequences().size());
        assertThat(acked).as("the retried entries arrive in order").containsExactly(first, second);
        assertThat(registry.node("eu-1").orElseThrow().appliedSequence()).isEqualTo(second);
    }

    @Test
    void retriesStopOnceTheEdgeIsFenced() throws Exception {
        retrying();
        FakeEdge edge = edge("eu-1", "eu");
        edge.answer(503);
        long seq = dispatcher.submit(purge("/1"), "ops").sequence();
        await().atMost(10, SECONDS).until(() -> edge.receivedSequences().size() >= 2);
        clock.advance(Duration.ofHours(2));
        assertThat(registry.fenceUnreachable(Duration.ofHours(1))).containsExactly("eu-1");
        assertThat(log.status(seq)).as("no longer waits for the fenced edge").isEqualTo(EntryStatus.COMPLETE);
        int tries = edge.receivedSequences().size();
        Thread.sleep(300); // three retry periods: a stopped retry stays stopped
        assertThat(edge.receivedSequences().size()).isLessThanOrEqualTo(tries + 1);
    }

    @Test
    void pushThatStoredNotEveryUrlOnAnEdgeIsAFailureForThatEdgeWithItsAnswer() throws Exception {
        FakeEdge good = edge("eu-1", "eu");
        FakeEdge bad = edge("eu-2", "eu");
        bad.answerPushesWith("{\"stored\":0,\"notStored\":0,\"bytes\":0,\"failures\":[{\"url\":"
                + "\"http://www.example.com/missing\",\"error\":\"origin answered 404\"}]}");
        LoggedEntry push = dispatcher.submit(NewEntry.push(List.of("http://www.example.com/missing"), List.of()),
                "ops");

        assertThat(log.awaitComplete(push.sequence(), Duration.ofSeconds(10))).isEqualTo(EntryStatus.FAILED);
        List<Delivery> deliveries = log.deliveries(push.sequence());
        assertThat(deliveries).extracting(Delivery::node, Delivery::state).containsExactly(
                org.assertj.core.groups.Tuple.tuple("eu-1", Delivery.State.APPLIED),
                org.assertj.core.groups.Tuple.tuple("eu-2", Delivery.State.FAILED));
        assertThat(deliveries.get(1).detail()).hasValueSatisfying(d -> assertThat(d)
                .contains("http://www.example.com/missing").contains("origin answered 404"));
        assertThat(good.applied()).isEqualTo(push.sequence());
        assertThat(registry.node("eu-2").orElseThrow().appliedSequence()).as("carried out, so not behind")
                .isEqualTo(push.sequence());
    }

    @Test
    void aLiveAnswerThatTheEdgeHadAppliedThePushAlreadyLeavesItPendingForTheHeartbeatThatReportsItsResult() throws Exception {
        FakeEdge edge = edge("eu-1", "eu");
        LoggedEntry push = dispatcher.submit(NewEntry.push(List.of("http://www.example.com/missing"), List.of()),
                "ops");
        // the catch-up page won the race: the live push is answered "already applied"
        edge.answerPushesWith("{\"sequence\":" + push.sequence() + ",\"appliedSequence\":" + push.sequence()
                + ",\"alreadyApplied\":true}");
        LoggedEntry second = dispatcher.submit(NewEntry.push(List.of("http://www.example.com/missing"), List.of()),
                "ops");
        await().atMost(10, SECONDS).until(() -> edge.receivedSequences().contains(second.sequence()));
        assertThat(log.awaitComplete(second.sequence(), Duration.ofMillis(200))).as("its result is still to come")
                .isEqualTo(EntryStatus.PENDING);

        registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, second.sequence(), List.of(
                new dev.outpost.common.wire.EntryResult(second.sequence(), "{\"stored\":0,\"failures\":[{\"url\":"
                        + "\"http://www.example.com/missing\",\"error\":\"origin answered 404\"}]}"))));
        assertThat(log.status(second.sequence())).isEqualTo(EntryStatus.FAILED);
        assertThat(log.deliveries(second.sequence()).get(0).detail()).hasValueSatisfying(d -> assertThat(d)
                .contains("origin answered 404"));
    }
}
