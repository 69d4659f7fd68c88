package dev.outpost.control.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.RegistrationReply;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.control.invalidation.Delivery;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.NewEntry;
import dev.outpost.testkit.ManualClock;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import dev.outpost.control.store.StoreEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

@ParameterizedClass
@EnumSource(StoreEngine.class)
class RegistryTest {
    @Parameter
    StoreEngine engine;

    private final ManualClock clock = ManualClock.startingAt("2026-01-01T00:00:00Z");
    private RegistryStores stores;
    private InvalidationLog log;
    private Registry registry;

    @BeforeEach
    void open(@TempDir Path dir) {
        stores = new RegistryStores(engine, dir, clock);
        log = stores.log();
        registry = stores.registry();
    }

    @AfterEach
    void close() {
        stores.close();
    }

    static NodeRegistration edge(String id, String region, long applied, boolean cacheEmpty) {
        return new NodeRegistration(id, NodeRegistration.Kind.EDGE, region, URI.create("http://127.0.0.1:1/"),
                Optional.of(URI.create("http://127.0.0.1:2/")), applied, cacheEmpty);
    }

    private long purge(String region) {
        return log.append(NewEntry.purgeUrls(List.of("http://a.example/x")).inRegions(List.of(region)),
                registry.edges().stream().filter(n -> n.region().equals(region)).map(Node::id).toList(), "ops")
                .sequence();
    }

    @Test
    void registeredEdgeIsHealthyUntilItMissesHeartbeatsForTheTimeout() {
        registry.register(edge("eu-1", "eu", 0, true));
        Node node = registry.node("eu-1").orElseThrow();
        assertThat(registry.healthy(node)).isTrue();

        clock.advance(Duration.ofMillis(3_000));
        assertThat(registry.healthy(registry.node("eu-1").orElseThrow())).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(registry.healthy(registry.node("eu-1").orElseThrow())).isFalse();
        assertThat(registry.statuses().get(0).healthy()).isFalse();

        registry.heartbeat("eu-1", new Heartbeat(10, 0.5, 100, 0));
        assertThat(registry.healthy(registry.node("eu-1").orElseThrow())).isTrue();
    }

    @Test
    void silenceAfterTheControlPlaneStoppedHearingCountsNeitherForHealthNorForFencing() {
        registry.register(edge("eu-1", "eu", 0, true));
        clock.advance(Duration.ofMillis(2_000));
        registry.stopHearing(); // the control plane is stopping: its listeners refuse connections from here on

        clock.advance(Duration.ofMinutes(5));
        assertThat(registry.healthy(registry.node("eu-1").orElseThrow())).as("heard 2 s before it stopped hearing")
                .isTrue();
        assertThat(registry.fenceUnreachable(Duration.ofSeconds(30))).isEmpty();
        assertThat(registry.statuses().get(0).fenced()).isFalse();

        registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0).asLeaving()); // what is still heard counts
        assertThat(registry.healthy(registry.node("eu-1").orElseThrow())).isFalse();
    }

    @Test
    void anEdgeThatSaysItIsLeavingIsUnhealthyAtOnceUntilItRegistersAgain() {
        registry.register(edge("eu-1", "eu", 0, true));
        Heartbeat beat = new Heartbeat(10, 0.5, 100, 0);
        registry.heartbeat("eu-1", beat);
        assertThat(registry.steerable(registry.node("eu-1").orElseThrow())).isTrue();

        registry.heartbeat("eu-1", beat.asLeaving()); // stopping: its last heartbeat
        Node leaving = registry.node("eu-1").orElseThrow();
        assertThat(registry.healthy(leaving)).as("no waiting for the heartbeat timeout").isFalse();
        assertThat(registry.steerable(leaving)).isFalse();
        assertThat(registry.statuses().get(0).healthy()).isFalse();

        registry.register(edge("eu-1", "eu", 0, true)); // started again
        assertThat(registry.healthy(registry.node("eu-1").orElseThrow())).isTrue();
    }

    @Test
    void edgeStartingWithAnEmptyCacheCountsAsCaughtUpWithEverythingLoggedBefore() {
        purge("eu");
        purge("eu");
        registry.register(edge("eu-1", "eu", 0, true));
        assertThat(registry.steerable(registry.node("eu-1").orElseThrow())).isTrue();
    }

    @Test
    void heartbeatOfABehindEdgeCarriesMissedEntriesOfItsRegionInOrderAndItIsNotSteerableUntilItReportsThem() {
        registry.register(edge("eu-1", "eu", 0, true));
        long first = purge("eu");
        purge("us");
        long third = purge("eu");
        registry.fellBehind("eu-1"); // as the dispatcher does when the edge does not get them live
        Node behind = registry.node("eu-1").orElseThrow();
        assertThat(registry.caughtUp(behind)).isFalse();
        assertThat(registry.steerable(behind)).isFalse();

        HeartbeatReply reply = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow();
        assertThat(reply.entries()).extracting(InvalidationEntry::sequence).containsExactly(first, third);
        assertThat(reply.dueSequence()).isEqualTo(third);
        assertThat(reply.caughtUp()).isFalse();
        assertThat(reply.more()).isFalse();

        HeartbeatReply after = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, third)).orElseThrow();
        assertThat(after.entries()).isEmpty();
        assertThat(after.caughtUp()).isTrue();
        assertThat(registry.steerable(registry.node("eu-1").orElseThrow())).isTrue();
        assertThat(log.deliveries(first)).extracting(Delivery::state).containsExactly(Delivery.State.APPLIED);
        assertThat(log.deliveries(third)).extracting(Delivery::state).containsExactly(Delivery.State.APPLIED);
    }

    @Test
    void edgeWithEntriesInFlightOnLivePushesStaysSteerableAndAnAckAdvancesIt() {
        registry.register(edge("eu-1", "eu", 0, true));
        long seq = purge("eu");
        assertThat(registry.steerable(registry.node("eu-1").orElseThrow())).isTrue();
        registry.acked("eu-1", seq);
        assertThat(registry.node("eu-1").orElseThrow().appliedSequence()).isEqualTo(seq);
        // a heartbeat sent before the ack reports less; the ack stands
        HeartbeatReply reply = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow();
        assertThat(reply.entries()).isEmpty();
        assertThat(registry.node("eu-1").orElseThrow().appliedSequence()).isEqualTo(seq);
    }

    @Test
    void catchUpIsPagedWhenAnEdgeIsFarBehind() {
        registry.register(edge("eu-1", "eu", 0, true));
        for (int i = 0; i < Registry.CATCH_UP_PAGE + 5; i++) {
            purge("eu");
        }
        HeartbeatReply first = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow();
        assertThat(first.entries()).hasSize(Registry.CATCH_UP_PAGE);
        assertThat(first.more()).isTrue();
        long last = first.entries().get(Registry.CATCH_UP_PAGE - 1).sequence();
        HeartbeatReply second = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, last)).orElseThrow();
        assertThat(second.entries()).hasSize(5);
        assertThat(second.more()).isFalse();
    }

    @Test
    void heartbeatOfAnUnknownNodeIsEmptySoItRegistersAgain() {
        assertThat(registry.heartbeat("ghost", new Heartbeat(0, 0, 0, 0))).isEmpty();
    }

    @Test
    void aMarkPastTheEndOfTheLogIsClampedSoTheEdgeLearnsItIsNotThisLogs() {
        long last = purge("eu");
        // An edge whose disk kept sequence 500 of another log (this control plane's data was replaced)
        RegistrationReply reply = registry.register(edge("eu-1", "eu", 500, false));
        assertThat(reply.appliedSequence()).isEqualTo(last);
        long next = purge("eu");
        HeartbeatReply beat = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, last)).orElseThrow();
        assertThat(beat.entries()).extracting(InvalidationEntry::sequence).containsExactly(next);
    }

    @Test
    void edgeRegisteringWithItsOwnAppliedSequenceMustCatchUpFromThere() {
        long first = purge("eu");
        long second = purge("eu");
        registry.register(edge("eu-1", "eu", first, false));
        assertThat(registry.caughtUp(registry.node("eu-1").orElseThrow())).isFalse();
        HeartbeatReply reply = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, first)).orElseThrow();
        assertThat(reply.entries()).extracting(InvalidationEntry::sequence).containsExactly(second);
    }

    @Test
    void restartedRegistryRemembersNodesTheirAppliedSequenceAndWhoIsBehind() {
        registry.register(edge("eu-1", "eu", 0, true));
        registry.register(edge("eu-2", "eu", 0, true));
        long seq = purge("eu");
        registry.acked("eu-1", seq);
        clock.advance(Duration.ofMinutes(5));
        Registry restarted = stores.restartedFromDisk();
        Node known = restarted.node("eu-1").orElseThrow();
        assertThat(known.appliedSequence()).isEqualTo(seq);
        assertThat(restarted.healthy(known)).as("given a heartbeat timeout to come back").isTrue();
        assertThat(restarted.steerable(known)).isTrue();
        assertThat(restarted.steerable(restarted.node("eu-2").orElseThrow())).as("missed the purge").isFalse();
        assertThat(restarted.heartbeat("eu-2", new Heartbeat(0, 0, 0, 0)).orElseThrow().entries())
                .extracting(InvalidationEntry::sequence).containsExactly(seq);

        clock.advance(Duration.ofMillis(3_001));
        assertThat(restarted.healthy(restarted.node("eu-1").orElseThrow())).isFalse();
    }

    @Test
    void statusesShowStatsOfTheLastHeartbeat() {
        registry.register(edge("eu-1", "eu", 0, true));
        registry.heartbeat("eu-1", new Heartbeat(1200, 0.93, 4096, 0));
        NodeStatus status = registry.statuses().get(0);
        assertThat(status.kind()).isEqualTo("edge");
        assertThat(status.requests()).isEqualTo(1200);
        assertThat(status.hitRatio()).isEqualTo(0.93);
        assertThat(status.bytesCached()).isEqualTo(4096);
        assertThat(status.caughtUp()).isTrue();
    }

    private static NodeRegistration startedEmptyButCached(String id, String region) {
        return new NodeRegistration(id, NodeRegistration.Kind.EDGE, region, URI.create("http://127.0.0.1:1/"),
                Optional.of(URI.create("http://127.0.0.1:2/")), 0, false, true);
    }

    /** Asserts the reply is a reset: one soft purge of everything at the newest sequence. */
    private void assertReset(HeartbeatReply reply) {
        assertThat(reply.reset()).isTrue();
        assertThat(reply.entries()).singleElement().satisfies(e -> {
            assertThat(e.sequence()).isEqualTo(log.lastSequence());
            assertThat(e.all()).isTrue();
            assertThat(e.soft()).isTrue();
        });
    }

    @Test
    void edgeThatStartedEmptyAndCachedBeforeItCouldRegisterRevalidatesOnceInsteadOfReplayingTheLog() {
        for (int i = 0; i < 50; i++) {
            purge("eu");
        }
        log.append(NewEntry.push(List.of("http://a.example/old-push"), List.of()), List.of(), "ops");
        registry.register(startedEmptyButCached("eu-1", "eu"));
        assertThat(registry.steerable(registry.node("eu-1").orElseThrow())).isFalse();

        HeartbeatReply reply = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow();
        assertReset(reply);
        HeartbeatReply after = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, log.lastSequence())).orElseThrow();
        assertThat(after.reset()).isFalse();
        assertThat(after.entries()).as("no purge and no old push replayed").isEmpty();
        assertThat(registry.steerable(registry.node("eu-1").orElseThrow())).isTrue();
    }

    @Test
    void edgeBehindTheCompactedLogIsToldToRevalidateEverythingInsteadOfCatchingUp() {
        registry.register(edge("eu-1", "eu", 0, true));
        long first = purge("eu");
        registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, first));
        Path smallDir = stores.dir().resolve("small");
        try (InvalidationLog small = InvalidationLog.open(engine.settings(smallDir), smallDir, clock,
                new dev.outpost.control.LogSettings(null, null, null, null, 2L, null))) {
            NodeStore smallStore = NodeStore.open(engine.settings(smallDir), smallDir);
            Registry compacting = new Registry(clock, RegistryStores.HEARTBEAT, small, smallStore);
            compacting.register(edge("eu-1", "eu", 0, true));
            for (int i = 0; i < 5; i++) {
                small.append(NewEntry.purgeUrls(List.of("http://a.example/" + i)), List.of("eu-1"), "ops");
            }
            compacting.fellBehind("eu-1");
            small.compact(Duration.ofHours(24));

            HeartbeatReply reply = compacting.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow();
            assertThat(reply.reset()).isTrue();
            assertThat(reply.entries()).singleElement().satisfies(e -> assertThat(e.sequence()).isEqualTo(5));
            assertThat(compacting.steerable(compacting.node("eu-1").orElseThrow())).isFalse();
            compacting.heartbeat("eu-1", new Heartbeat(0, 0, 0, 5));
            assertThat(compacting.steerable(compacting.node("eu-1").orElseThrow())).isTrue();
            assertThat(small.deliveries(5)).extracting(Delivery::state).containsExactly(Delivery.State.APPLIED);
            smallStore.close();
        }
    }

    @Test
    void edgeUnreachablePastTheGraceIsFencedPurgesCompleteWithoutItAndOnReturnItRevalidatesBeforeItIsSteered() {
        registry.register(edge("eu-1", "eu", 0, true));
        registry.register(edge("eu-2", "eu", 0, true));
        long waiting = purge("eu");
        log.markApplied(waiting, "eu-1");
        log.markBehind(waiting, "eu-2", "connection refused");
        assertThat(log.status(waiting)).isEqualTo(dev.outpost.control.invalidation.EntryStatus.PARTIAL);

        clock.advance(Duration.ofSeconds(30));
        registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, waiting));
        assertThat(registry.fenceUnreachable(Duration.ofSeconds(30))).as("not past the grace yet").isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(registry.fenceUnreachable(Duration.ofSeconds(30))).containsExactly("eu-2");

        assertThat(log.status(waiting)).isEqualTo(dev.outpost.control.invalidation.EntryStatus.COMPLETE);
        assertThat(log.deliveries(waiting)).extracting(Delivery::node, Delivery::state).containsExactly(
                org.assertj.core.groups.Tuple.tuple("eu-1", Delivery.State.APPLIED),
                org.assertj.core.groups.Tuple.tuple("eu-2", Delivery.State.FENCED));
        assertThat(registry.statuses()).filteredOn(n -> n.id().equals("eu-2")).singleElement()
                .satisfies(n -> assertThat(n.fenced()).isTrue());

        // it comes back: healthy again, but not steered to until it revalidated everything
        HeartbeatReply back = registry.heartbeat("eu-2", new Heartbeat(0, 0, 0, 0)).orElseThrow();
        assertReset(back);
        Node returning = registry.node("eu-2").orElseThrow();
        assertThat(registry.healthy(returning)).isTrue();
        assertThat(registry.steerable(returning)).isFalse();
        registry.heartbeat("eu-2", new Heartbeat(0, 0, 0, back.entries().get(0).sequence()));
        assertThat(registry.steerable(registry.node("eu-2").orElseThrow())).isTrue();
        assertThat(registry.node("eu-2").orElseThrow().fenced()).isFalse();
        assertThat(log.deliveries(waiting).get(1).detail()).hasValueSatisfying(d -> assertThat(d)
                .contains("revalidated everything"));
    }

    @Test
    void aFencedEdgeStaysFencedAcrossAControlPlaneRestart() {
        registry.register(edge("eu-1", "eu", 0, true));
        purge("eu");
        clock.advance(Duration.ofMinutes(10));
        registry.fenceUnreachable(Duration.ofMinutes(5));
        Registry restarted = stores.restartedFromDisk();
        assertThat(restarted.node("eu-1").orElseThrow().fenced()).isTrue();
        assertReset(restarted.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow());
    }

    @Test
    void pushResultsAHeartbeatCarriesAreRecordedPerEdgeAndAFailureNamesTheUrl() {
        registry.register(edge("eu-1", "eu", 0, true));
        registry.fellBehind("eu-1");
        long push = log.append(NewEntry.push(List.of("http://a.example/missing"), List.of()), List.of("eu-1"),
                "ops").sequence();
        registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, push, List.of(new dev.outpost.common.wire.EntryResult(push,
                "{\"stored\":0,\"notStored\":0,\"bytes\":0,\"failures\":[{\"url\":\"http://a.example/missing\","
                        + "\"error\":\"origin answered 404\"}]}"))));
        Delivery delivery = log.deliveries(push).get(0);
        assertThat(delivery.state()).isEqualTo(Delivery.State.FAILED);
        assertThat(delivery.detail()).hasValueSatisfying(d -> assertThat(d).contains("origin answered 404"));
    }
}
