package dev.outpost.control.invalidation;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.NodeRegistration;
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
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import dev.outpost.control.store.StoreEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** Bounded retries: entries an edge refuses or cannot apply are dead-lettered, and the edge moves on without them. */
@ParameterizedClass
@EnumSource(StoreEngine.class)
class DeadLettersIT {
    @Parameter
    StoreEngine engine;

    private static final String BAD = "http://www.example.com/bad";
    private static final String REFUSAL = "{\"error\":\"bad_purge\",\"message\":\"urls[0] is not a URL this edge "
            + "can purge\"}";

    private final ManualClock clock = ManualClock.startingAt("2026-01-01T00:00:00Z");
    private final List<FakeEdge> edges = new ArrayList<>();
    private final List<String> deadLettered = new CopyOnWriteArrayList<>();
    @TempDir
    Path dir;
    private InvalidationLog log;
    private NodeStore nodeStore;
    private Registry registry;
    private Dispatcher dispatcher;

    @BeforeEach
    void start() {
        open();
        // quick retries, three tries per entry
        dispatcher = new Dispatcher(log, registry, new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(2))
                .build(), Optional.empty(), new DeliverySettings(Duration.ofMillis(10), Duration.ofMillis(40),
                Duration.ofHours(1), 3));
    }

    private void open() {
        log = InvalidationLog.open(engine.settings(dir), dir, clock, dev.outpost.control.LogSettings.DEFAULTS, new DeliveryObserver() {
            @Override
            public void deadLettered(String node, boolean refused) {
                deadLettered.add(node + (refused ? " refused" : " exhausted"));
            }
        });
        nodeStore = NodeStore.open(engine.settings(dir), dir);
        registry = new Registry(clock, new HeartbeatSettings(Duration.ofSeconds(1), Duration.ofSeconds(3)), log,
                nodeStore);
    }

    @AfterEach
    void stop() {
        dispatcher.close();
        nodeStore.close();
        log.close();
        edges.forEach(FakeEdge::close);
    }

    private FakeEdge edge(String id) throws IOException {
        FakeEdge edge = new FakeEdge(id, "eu");
        edges.add(edge);
        edge.registered(registry.register(edge.registration()).appliedSequence());
        return edge;
    }

    private long purge(String url) {
        return dispatcher.submit(NewEntry.purgeUrls(List.of(url)), "ops").sequence();
    }

    private Delivery delivery(long sequence, String node) {
        return log.deliveries(sequence).stream().filter(d -> d.node().equals(node)).findFirst().orElseThrow();
    }

    private boolean steerable(String node) {
        return registry.steerable(registry.node(node).orElseThrow());
    }

    @Test
    void entryTheEdgeRefusesAsInvalidIsDeadLetteredAtOnceWithItsReasonAndLaterEntriesStillReachIt() throws Exception {
        FakeEdge edge = edge("eu-1");
        FakeEdge other = edge("eu-2");
        edge.answerFor(BAD, 400, REFUSAL);
        long bad = purge(BAD);

        assertThat(log.awaitComplete(bad, Duration.ofSeconds(10))).isEqualTo(EntryStatus.FAILED);
        assertThat(delivery(bad, "eu-1").state()).isEqualTo(Delivery.State.DEAD_LETTERED);
        assertThat(delivery(bad, "eu-2").state()).isEqualTo(Delivery.State.APPLIED);
        DeadLetter letter = log.deadLetters().find(bad, "eu-1").orElseThrow();
        assertThat(letter.reason()).contains("refused as invalid").contains("edge answered 400 bad_purge")
                .contains("not a URL this edge can purge");
        assertThat(letter.tries()).isEqualTo(1);
        assertThat(edge.receivedSequences()).as("not tried again").containsExactly(bad);
        assertThat(deadLettered).containsExactly("eu-1 refused");

        long good = purge("http://www.example.com/good");
        assertThat(log.awaitComplete(good, Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
        assertThat(edge.receivedSequences()).containsExactly(bad, good);
        assertThat(steerable("eu-1")).isTrue();
        assertThat(other.receivedSequences()).containsExactly(bad, good);
    }

    @Test
    void entryTheEdgeCannotApplyIsDeadLetteredAfterMaxTriesAndTheEdgeIsSteeredAgainThoughItWasTheLastPurge()
            throws Exception {
        FakeEdge edge = edge("eu-1");
        edge.answerFor(BAD, 500, "{\"error\":\"internal\",\"message\":\"disk full\"}");
        long bad = purge(BAD);

        await().atMost(10, SECONDS).until(() -> delivery(bad, "eu-1").state() == Delivery.State.DEAD_LETTERED);
        assertThat(edge.receivedSequences()).containsExactly(bad, bad, bad);
        DeadLetter letter = log.deadLetters().find(bad, "eu-1").orElseThrow();
        assertThat(letter.tries()).isEqualTo(3);
        assertThat(letter.reason()).contains("not applied after 3 tries").contains("edge answered 500 internal")
                .contains("disk full");
        assertThat(deadLettered).containsExactly("eu-1 exhausted");
        // the dead letter is the region's last purge: the edge's mark moved past it, so it is caught up
        assertThat(registry.node("eu-1").orElseThrow().appliedSequence()).isEqualTo(bad);
        assertThat(steerable("eu-1")).isTrue();
        HeartbeatReply reply = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, bad - 1)).orElseThrow();
        assertThat(reply.entries()).as("the catch-up does not hand it over again").isEmpty();
        assertThat(reply.caughtUp()).isTrue();
    }

    @Test
    void anEdgeThatAnswersNotNowIsRetriedWithoutLimitAndNeverDeadLettered() throws Exception {
        FakeEdge edge = edge("eu-1");
        edge.answer(503);
        long seq = purge("http://www.example.com/a");

        await().atMost(10, SECONDS).until(() -> edge.receivedSequences().size() >= 6);
        assertThat(delivery(seq, "eu-1").state()).isEqualTo(Delivery.State.BEHIND);
        assertThat(log.deadLetters().list(Optional.empty(), false, 0, "", 10)).isEmpty();
        assertThat(steerable("eu-1")).isFalse();

        edge.answer(200);
        assertThat(log.awaitComplete(seq, Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
    }

    @Test
    void operatorRetrySendsTheEntryWithoutItsSequenceAndSettlesTheEntry() throws Exception {
        FakeEdge edge = edge("eu-1");
        edge.answerFor(BAD, 422, REFUSAL);
        long bad = purge(BAD);
        assertThat(log.awaitComplete(bad, Duration.ofSeconds(10))).isEqualTo(EntryStatus.FAILED);

        Dispatcher.RetryOutcome failed = dispatcher.retryDeadLetter(log.entry(bad).orElseThrow().entry(),
                registry.node("eu-1").orElseThrow());
        assertThat(failed.applied()).isFalse();
        assertThat(failed.detail()).contains("edge answered 422");
        assertThat(log.deadLetters().find(bad, "eu-1").orElseThrow()).satisfies(d -> {
            assertThat(d.open()).isTrue();
            assertThat(d.tries()).isEqualTo(2);
            assertThat(d.reason()).startsWith("operator's retry failed");
        });

        edge.clearAnswerFor(BAD);
        Dispatcher.RetryOutcome applied = dispatcher.retryDeadLetter(log.entry(bad).orElseThrow().entry(),
                registry.node("eu-1").orElseThrow());
        assertThat(applied.applied()).isTrue();
        assertThat(edge.unsequencedCalls()).containsExactly(List.of(BAD), List.of(BAD));
        assertThat(log.status(bad)).isEqualTo(EntryStatus.COMPLETE);
        DeadLetter letter = log.deadLetters().find(bad, "eu-1").orElseThrow();
        assertThat(letter.state()).isEqualTo(Delivery.State.APPLIED);
        assertThat(letter.appliedAt()).isPresent();
        assertThat(log.deadLetters().list(Optional.empty(), true, 0, "", 10)).as("no longer open").isEmpty();
    }

    @Test
    void discardedDeadLetterStopsHoldingTheEntryAtFailed() throws Exception {
        FakeEdge edge = edge("eu-1");
        edge.answerFor(BAD, 400, REFUSAL);
        long bad = purge(BAD);
        assertThat(log.awaitComplete(bad, Duration.ofSeconds(10))).isEqualTo(EntryStatus.FAILED);

        assertThat(log.deadLetters().markDiscarded(bad, "eu-1", "ops")).isTrue();
        assertThat(log.deadLetters().markDiscarded(bad, "eu-1", "ops")).as("once").isFalse();
        assertThat(log.status(bad)).isEqualTo(EntryStatus.COMPLETE);
        assertThat(log.deadLetters().find(bad, "eu-1").orElseThrow().state()).isEqualTo(Delivery.State.DISCARDED);
        assertThat(log.deadLetters().find(bad, "eu-1").orElseThrow().reason()).startsWith("discarded by ops: refused");
    }

    @Test
    void deadLettersSurviveARestartAndAnEdgeRegisteringBelowOneResumesPastIt() throws Exception {
        FakeEdge edge = edge("eu-1");
        edge.answerFor(BAD, 400, REFUSAL);
        long before = purge("http://www.example.com/before");
        long bad = purge(BAD);
        assertThat(log.awaitComplete(bad, Duration.ofSeconds(10))).isEqualTo(EntryStatus.FAILED);
        long after = purge("http://www.example.com/after");
        assertThat(log.awaitComplete(after, Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
        dispatcher.close();
        nodeStore.close();
        log.close();

        open();
        dispatcher = new Dispatcher(log, registry, new OkHttpClient(), Optional.empty());
        assertThat(log.deadLetters().list(Optional.of("eu-1"), true, 0, "", 10)).extracting(DeadLetter::sequence)
                .containsExactly(bad);
        // the edge lost its mark and registers with the one before the dead letter: it resumes after it
        long resumed = registry.register(new NodeRegistration("eu-1", NodeRegistration.Kind.EDGE, "eu",
                edge.adminUrl(), Optional.of(edge.adminUrl()), before, false)).appliedSequence();
        assertThat(resumed).isEqualTo(bad);
        HeartbeatReply reply = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, resumed)).orElseThrow();
        assertThat(reply.entries()).extracting(InvalidationEntry::sequence).containsExactly(after);
    }
}
