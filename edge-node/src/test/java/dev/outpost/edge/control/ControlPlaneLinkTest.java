package dev.outpost.edge.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.wire.RegistrationReply;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.testkit.ManualClock;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The link's conversation with a scripted control plane; steps run by hand from a recorded schedule, no sleeps. */
class ControlPlaneLinkTest {
    private static final ControlPlaneLinkConfig CONFIG = ControlPlaneLinkConfig
            .of(URI.create("http://127.0.0.1:8000"), "node-token-0123456789")
            .withTimings(Duration.ofMillis(200), Duration.ofSeconds(1));
    private static final ControlPlaneLink.Identity EU_1 = new ControlPlaneLink.Identity("eu-1", "eu",
            URI.create("http://127.0.2.1:8080"), Optional.of(URI.create("http://127.0.2.1:9081")));

    /** A control plane that answers from a script: each call takes the next answer (an exception is thrown). */
    private static final class ScriptedControlPlane implements ControlPlaneApi {
        final Deque<Object> answers = new ArrayDeque<>();
        final List<NodeRegistration> registrations = new ArrayList<>();
        final List<Heartbeat> heartbeats = new ArrayList<>();

        @Override
        public RegistrationReply register(NodeRegistration registration) throws IOException {
            registrations.add(registration);
            return answer(RegistrationReply.class);
        }

        @Override
        public HeartbeatReply heartbeat(String nodeId, Heartbeat heartbeat) throws IOException {
            heartbeats.add(heartbeat);
            return answer(HeartbeatReply.class);
        }

        private <T> T answer(Class<T> type) throws IOException {
            Object next = answers.isEmpty() ? new ConnectException("Connection refused") : answers.poll();
            if (next instanceof IOException e) {
                throw e;
            }
            if (next instanceof RuntimeException e) {
                throw e; // an answer such as unknown_node
            }
            return type.cast(next);
        }
    }

    private record Step(Runnable step, Duration delay) {
    }

    private final ScriptedControlPlane controlPlane = new ScriptedControlPlane();
    private final Deque<Step> schedule = new ArrayDeque<>();
    private final AppliedSequence applied = new AppliedSequence();
    private final List<String> appliedEntries = new ArrayList<>();
    private boolean cacheEmpty = true;
    private int errorsToThrow;
    private final java.util.function.Function<InvalidationEntry, Object> applier = entry -> {
        if (entry.urls().contains("http://a.test/broken")) {
            throw new IllegalStateException("cannot apply");
        }
        if (entry.urls().contains("http://a.test/huge") && errorsToThrow-- > 0) {
            throw new OutOfMemoryError("Java heap space (simulated)");
        }
        appliedEntries.add(entry.sequence() + " " + entry.kind() + " " + entry.urls());
        return entry.kind() == InvalidationEntry.Kind.PUSH ? java.util.Map.of("stored", 0, "failures",
                List.of(java.util.Map.of("url", entry.urls().get(0), "error", "origin answered 404"))) : "ok";
    };
    private final ControlPlaneLink link = new ControlPlaneLink(EU_1, CONFIG, controlPlane, applied, entry -> {
        if (entry.urls().contains("http://a.test/broken")) {
            throw new IllegalStateException("cannot apply");
        }
        appliedEntries.add(entry.sequence() + " " + entry.kind() + " " + entry.urls());
        return "ok";
    }, () -> new ControlPlaneLink.Stats(100, 0.75, 4096), () -> cacheEmpty, (step, delay) ->
            schedule.add(new Step(step, delay)), () -> { });

    /** Runs the next scheduled step and answers the delay it was scheduled with. */
    private Duration runNext() {
        Step next = schedule.poll();
        assertThat(next).as("a scheduled step").isNotNull();
        next.step().run();
        return next.delay();
    }

    private static RegistrationReply registered(long applied) {
        return new RegistrationReply("eu-1", applied, applied, 200);
    }

    private static HeartbeatReply reply(boolean more, InvalidationEntry... entries) {
        return new HeartbeatReply(0, List.of(entries), more, false);
    }

    private static InvalidationEntry purge(long sequence, String url) {
        return new InvalidationEntry(sequence, InvalidationEntry.Kind.PURGE, List.of(url), null, null, null, false,
                false, null);
    }

    private static InvalidationEntry push(long sequence, String url) {
        return new InvalidationEntry(sequence, InvalidationEntry.Kind.PUSH, List.of(url), null, null, null, false,
                false, null);
    }

    @Test
    void registersWithItsUrlsThenHeartbeatsWithStatsAndTheAppliedSequence() {
        controlPlane.answers.add(registered(41));
        controlPlane.answers.add(reply(false));
        link.begin();
        assertThat(runNext()).isZero();
        NodeRegistration registration = controlPlane.registrations.get(0);
        assertThat(registration.kind()).isEqualTo(NodeRegistration.Kind.EDGE);
        assertThat(registration.region()).isEqualTo("eu");
        assertThat(registration.publicUrl()).hasToString("http://127.0.2.1:8080");
        assertThat(registration.adminUrl()).contains(URI.create("http://127.0.2.1:9081"));
        assertThat(registration.cacheEmpty()).isTrue();
        assertThat(link.registered()).isTrue();
        assertThat(applied.highest()).isEqualTo(41);

        assertThat(runNext()).as("first heartbeat right after registering").isZero();
        assertThat(controlPlane.heartbeats).containsExactly(new Heartbeat(100, 0.75, 4096, 41));
        assertThat(schedule.peek().delay()).as("then every interval").isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void leavingSendsOneLastHeartbeatThatSaysSoAfterTheOneInProgressAndNoneAfterIt() throws Exception {
        controlPlane.answers.add(registered(41));
        controlPlane.answers.add(reply(false));
        link.begin();
        runNext();
        runNext(); // first heartbeat; the next one is scheduled
        java.util.concurrent.CompletableFuture<Boolean> left = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> link.leave(Duration.ofSeconds(10)), task -> Thread.ofPlatform().start(task));
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (schedule.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5); // leave() queues its step on the link's own (here: the test's) scheduler
        }
        assertThat(schedule).hasSize(2);
        controlPlane.answers.add(reply(false));
        controlPlane.answers.add(reply(false));
        runNext(); // the heartbeat that was due runs first, as on the link's single thread
        runNext(); // then the goodbye
        assertThat(left.get(10, java.util.concurrent.TimeUnit.SECONDS)).as("the control plane took it").isTrue();
        assertThat(controlPlane.heartbeats).hasSize(3);
        assertThat(controlPlane.heartbeats.get(1).saysLeaving()).isFalse();
        Heartbeat last = controlPlane.heartbeats.get(2);
        assertThat(last.saysLeaving()).isTrue();
        assertThat(last.appliedSequence()).as("a full report otherwise").isEqualTo(41);
        while (!schedule.isEmpty()) {
            runNext();
        }
        assertThat(controlPlane.heartbeats).as("nothing after the goodbye could make the edge healthy again")
                .hasSize(3);
        assertThat(link.leave(Duration.ofMillis(50))).as("once only").isFalse();
    }

    @Test
    void catchUpEntriesAreAppliedInOrderAndReportedInTheNextHeartbeat() {
        controlPlane.answers.add(registered(3));
        controlPlane.answers.add(reply(false, push(4, "http://a.test/x"), purge(5, "http://a.test/x"),
                purge(7, "http://a.test/y")));
        controlPlane.answers.add(reply(false));
        link.begin();
        runNext();
        runNext();
        assertThat(appliedEntries).containsExactly("4 PUSH [http://a.test/x]", "5 PURGE [http://a.test/x]",
                "7 PURGE [http://a.test/y]");
        assertThat(runNext()).as("reports at once what it applied").isZero();
        assertThat(controlPlane.heartbeats.get(1).appliedSequence()).isEqualTo(7);
        assertThat(schedule.peek().delay()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void anEntryAlreadyAppliedLiveIsNotAppliedAgainFromTheCatchUp() {
        controlPlane.answers.add(registered(3));
        controlPlane.answers.add(reply(false, purge(4, "http://a.test/a"), purge(5, "http://a.test/b")));
        link.begin();
        runNext();
        applied.apply(4, () -> "live push of 4 won the race");
        runNext();
        assertThat(appliedEntries).containsExactly("5 PURGE [http://a.test/b]");
        assertThat(applied.highest()).isEqualTo(5);
    }

    @Test
    void aReplyWhoseEntriesWereAllAppliedLiveWaitsForTheIntervalInsteadOfSpinning() {
        controlPlane.answers.add(registered(3));
        controlPlane.answers.add(reply(false, purge(4, "http://a.test/a")));
        link.begin();
        runNext();
        applied.apply(4, () -> "live");
        runNext();
        assertThat(appliedEntries).isEmpty();
        assertThat(schedule.peek().delay()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void anEntryThatFailsStopsTheCatchUpSoNothingAfterItIsReportedApplied() {
        controlPlane.answers.add(registered(3));
        controlPlane.answers.add(reply(false, purge(4, "http://a.test/a"), purge(5, "http://a.test/broken"),
                purge(6, "http://a.test/c")));
        link.begin();
        runNext();
        runNext();
        assertThat(appliedEntries).containsExactly("4 PURGE [http://a.test/a]");
        assertThat(applied.highest()).isEqualTo(4);
        assertThat(schedule.peek().delay()).as("tries again on the next heartbeat").isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void morePagesAreFetchedAtOnce() {
        controlPlane.answers.add(registered(0));
        controlPlane.answers.add(reply(true, purge(1, "http://a.test/a")));
        controlPlane.answers.add(reply(false, purge(2, "http://a.test/b")));
        link.begin();
        runNext();
        runNext();
        assertThat(runNext()).isZero();
        assertThat(controlPlane.heartbeats.get(1).appliedSequence()).isEqualTo(1);
        assertThat(appliedEntries).hasSize(2);
    }

    @Test
    void whileTheControlPlaneIsDownRegistrationIsRetriedWithDoublingBackoff() {
        link.begin();
        runNext(); // refused
        List<Duration> delays = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            delays.add(runNext());
        }
        assertThat(delays).containsExactly(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800),
                Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(link.registered()).isFalse();

        controlPlane.answers.add(registered(9));
        assertThat(runNext()).isEqualTo(Duration.ofSeconds(1));
        assertThat(link.registered()).isTrue();
    }

    @Test
    void failedHeartbeatsBackOffAndRecoverWithoutRegisteringAgain() {
        controlPlane.answers.add(registered(2));
        controlPlane.answers.add(reply(false));
        link.begin();
        runNext();
        runNext();
        runNext(); // refused: the control plane went away
        assertThat(schedule.peek().delay()).isEqualTo(Duration.ofMillis(200));
        runNext();
        assertThat(schedule.peek().delay()).isEqualTo(Duration.ofMillis(400));
        controlPlane.answers.add(reply(false, purge(3, "http://a.test/a")));
        runNext();
        assertThat(controlPlane.registrations).hasSize(1);
        assertThat(applied.highest()).isEqualTo(3);
        assertThat(controlPlane.heartbeats).allMatch(h -> h.requests() == 100);
    }

    @Test
    void unknownNodeRegistersAgainReportingWhatItApplied() {
        controlPlane.answers.add(registered(2));
        controlPlane.answers.add(reply(false, purge(3, "http://a.test/a")));
        controlPlane.answers.add(new ControlPlaneApi.UnknownNode("unknown_node"));
        controlPlane.answers.add(registered(3));
        link.begin();
        runNext();
        runNext();
        cacheEmpty = true; // even with nothing cached: only a fresh edge may claim an empty cache
        runNext();
        assertThat(link.registered()).isFalse();
        runNext();
        NodeRegistration again = controlPlane.registrations.get(1);
        assertThat(again.cacheEmpty()).isFalse();
        assertThat(again.appliedSequence()).isEqualTo(3);
        assertThat(link.registered()).isTrue();
    }

    @Test
    void anEdgeThatAlreadyCachedSomethingDoesNotClaimAnEmptyCache() {
        cacheEmpty = false;
        controlPlane.answers.add(registered(0));
        link.begin();
        runNext();
        assertThat(controlPlane.registrations.get(0).cacheEmpty()).isFalse();
        assertThat(controlPlane.registrations.get(0).appliedSequence()).isZero();
    }

    @Test
    void closingStopsEveryFurtherStep() {
        controlPlane.answers.add(registered(2));
        link.begin();
        runNext();
        link.close();
        runNext();
        assertThat(controlPlane.heartbeats).isEmpty();
        assertThat(schedule).isEmpty();
    }

    @Test
    void anErrorThrownWhileApplyingAPageIsLoggedCountedAndRetriedAndTheLinkGoesOn() {
        errorsToThrow = 1;
        ControlPlaneLink survivor = new ControlPlaneLink(EU_1, CONFIG, controlPlane, applied, applier,
                () -> new ControlPlaneLink.Stats(0, 0, 0), () -> true, (step, delay) ->
                        schedule.add(new Step(step, delay)), () -> { });
        controlPlane.answers.add(registered(0));
        controlPlane.answers.add(reply(false, purge(1, "http://a.test/huge")));
        controlPlane.answers.add(reply(false, purge(1, "http://a.test/huge")));
        controlPlane.answers.add(reply(false));
        survivor.begin();
        runNext();
        runNext(); // the page throws OutOfMemoryError
        assertThat(survivor.stepFailures()).isEqualTo(1);
        assertThat(applied.highest()).isZero();
        assertThat(schedule.peek()).as("the heartbeat is retried, with backoff").isNotNull();
        assertThat(schedule.peek().delay()).isEqualTo(Duration.ofMillis(200));
        runNext(); // the same page again: applied this time
        assertThat(applied.highest()).isEqualTo(1);
        runNext();
        assertThat(controlPlane.heartbeats.get(controlPlane.heartbeats.size() - 1).appliedSequence()).isEqualTo(1);
        assertThat(survivor.registered()).isTrue();
    }

    @Test
    void anEdgeThatStartedEmptyButCachedBeforeItCouldRegisterSaysSoOnlyOnItsFirstRegistration() {
        link.begin();
        runNext(); // the control plane is down; meanwhile the edge serves and caches
        cacheEmpty = false;
        controlPlane.answers.add(registered(0));
        runNext();
        NodeRegistration first = controlPlane.registrations.get(1);
        assertThat(first.cacheEmpty()).isFalse();
        assertThat(first.startedEmpty()).isTrue();

        controlPlane.answers.add(new ControlPlaneApi.UnknownNode("unknown_node"));
        controlPlane.answers.add(registered(0));
        runNext();
        runNext();
        assertThat(controlPlane.registrations.get(2).startedEmpty()).as("only before its first registration")
                .isFalse();
    }

    @Test
    void resultsOfEntriesAppliedFromACatchUpPageRideTheNextHeartbeatOnce() {
        ControlPlaneLink reporting = new ControlPlaneLink(EU_1, CONFIG, controlPlane, applied, applier,
                () -> new ControlPlaneLink.Stats(0, 0, 0), () -> true, (step, delay) ->
                        schedule.add(new Step(step, delay)), () -> { });
        controlPlane.answers.add(registered(0));
        controlPlane.answers.add(reply(false, push(1, "http://a.test/missing"), purge(2, "http://a.test/x")));
        controlPlane.answers.add(reply(false));
        controlPlane.answers.add(reply(false));
        reporting.begin();
        runNext();
        runNext();
        runNext();
        Heartbeat report = controlPlane.heartbeats.get(1);
        assertThat(report.results()).as("a push's results and a purge's answer, as a live call would get them")
                .hasSize(2);
        assertThat(report.results().get(0).sequence()).isEqualTo(1);
        assertThat(report.results().get(0).result()).contains("origin answered 404");
        assertThat(report.results().get(1).sequence()).isEqualTo(2);
        runNext();
        assertThat(controlPlane.heartbeats.get(2).results()).as("sent once").isEmpty();
    }

    @Test
    void aHeartbeatWhoseReplyLeftNothingToApplyRenewsTheLeaseFromWhenItWasSent() {
        ManualClock clock = new ManualClock();
        Lease lease = Lease.of(clock, Duration.ofSeconds(10),
                dev.outpost.edge.config.ControlPlaneLinkConfig.LeaseExpiry.REVALIDATE);
        ControlPlaneLink leased = new ControlPlaneLink(EU_1, CONFIG, controlPlane, applied, applier,
                () -> new ControlPlaneLink.Stats(0, 0, 0), () -> true, (step, delay) ->
                        schedule.add(new Step(step, delay)), () -> { }, lease);
        controlPlane.answers.add(registered(0));
        controlPlane.answers.add(reply(true, purge(1, "http://a.test/a")));
        controlPlane.answers.add(reply(false, purge(2, "http://a.test/b")));
        leased.begin();
        runNext();
        clock.advance(Duration.ofSeconds(8));
        runNext(); // a page with more to come: not renewed
        clock.advance(Duration.ofSeconds(3));
        assertThat(lease.expired(clock.instant())).isTrue();
        runNext(); // the last page: renewed from when this heartbeat was sent
        assertThat(lease.expired(clock.instant())).isFalse();
        clock.advance(Duration.ofSeconds(10));
        assertThat(lease.expired(clock.instant())).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(lease.expired(clock.instant())).isTrue();

        runNext(); // the control plane is unreachable now: the lease is not renewed
        assertThat(lease.expired(clock.instant())).isTrue();
    }

    @Test
    void aRestartedEdgeTrustsItsDiskOnceTheHeartbeatSentAtOnceAfterRegistrationIsApplied() {
        // What a restarted edge's disk tier waits for (Lease.renewedSinceStart): not a heartbeat interval, but the
        // one round trip that hands over what it missed; the registration reply alone never counts (it cannot say
        // whether a reset is due).
        ManualClock clock = new ManualClock();
        Lease lease = Lease.of(clock, Duration.ofSeconds(30),
                dev.outpost.edge.config.ControlPlaneLinkConfig.LeaseExpiry.REVALIDATE);
        cacheEmpty = false;
        ControlPlaneLink leased = new ControlPlaneLink(EU_1, CONFIG, controlPlane, applied, applier,
                () -> new ControlPlaneLink.Stats(0, 0, 0), () -> cacheEmpty, (step, delay) ->
                        schedule.add(new Step(step, delay)), () -> { }, lease);
        controlPlane.answers.add(new RegistrationReply("eu-1", 0, 1, 5_000));
        controlPlane.answers.add(reply(false, purge(1, "http://a.test/purged-while-down")));
        leased.begin();

        assertThat(runNext()).as("registration").isZero();
        assertThat(lease.renewedSinceStart()).as("registered, nothing applied yet").isFalse();
        assertThat(schedule.peek().delay()).as("the catch-up heartbeat leaves at once").isZero();
        runNext();
        assertThat(appliedEntries).containsExactly("1 PURGE [http://a.test/purged-while-down]");
        assertThat(lease.renewedSinceStart()).as("trusted once the missed purge is applied").isTrue();
    }

    @Test
    void theHeartbeatIntervalIsAtMostAThirdOfTheLease() {
        Lease lease = Lease.of(java.time.Clock.systemUTC(), Duration.ofMillis(300),
                dev.outpost.edge.config.ControlPlaneLinkConfig.LeaseExpiry.REVALIDATE);
        ControlPlaneLink leased = new ControlPlaneLink(EU_1, CONFIG, controlPlane, applied, applier,
                () -> new ControlPlaneLink.Stats(0, 0, 0), () -> true, (step, delay) ->
                        schedule.add(new Step(step, delay)), () -> { }, lease);
        controlPlane.answers.add(new RegistrationReply("eu-1", 0, 0, 5_000));
        controlPlane.answers.add(reply(false));
        leased.begin();
        runNext();
        runNext();
        assertThat(schedule.peek().delay()).isEqualTo(Duration.ofMillis(100));
    }
}
