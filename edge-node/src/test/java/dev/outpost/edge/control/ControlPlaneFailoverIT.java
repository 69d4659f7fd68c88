package dev.outpost.edge.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.controlplane.ControlPlanes;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.edge.FakeControlPlane;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.testkit.LogRecords;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An edge with two control planes ({@code controlPlane.urls}) over real loopback sockets: two fake control planes at
 * the edge of the system, the link's steps run by hand from its recorded schedule (no sleeps), so "at once" and "with
 * backoff" are read from the delays the link asked for.
 */
class ControlPlaneFailoverIT {
    private static final Duration HEARTBEAT = Duration.ofMillis(200);
    /** What the fakes' registration answers: the interval heartbeats keep while a control plane answers. */
    private static final Duration INTERVAL = Duration.ofMillis(100);

    private record Step(Runnable step, Duration delay) {
    }

    private final FakeControlPlane first = new FakeControlPlane();
    private final FakeControlPlane second = new FakeControlPlane();
    private final Deque<Step> schedule = new ArrayDeque<>();
    private final List<Long> applied = new ArrayList<>();
    private final ControlPlaneClient client;
    private final ControlPlaneLink link;

    ControlPlaneFailoverIT() throws Exception {
        ControlPlaneLinkConfig config = ControlPlaneLinkConfig.of(List.of(first.link().url(), second.link().url()),
                FakeControlPlane.NODE_TOKEN).withTimings(HEARTBEAT, Duration.ofSeconds(1));
        client = new ControlPlaneClient(new ControlPlanes("edge eu-1", config.urls()), config.token(),
                Optional.empty());
        link = new ControlPlaneLink(new ControlPlaneLink.Identity("eu-1", "eu", URI.create("http://127.0.2.1:8080"),
                Optional.empty()), config, client, new AppliedSequence(), entry -> applied.add(entry.sequence()),
                () -> new ControlPlaneLink.Stats(0, 0, 0), () -> true, (step, delay) -> schedule.add(
                        new Step(step, delay)), () -> { });
    }

    @AfterEach
    void stop() {
        link.close();
        client.close();
        first.close();
        second.close();
    }

    /** Runs the next scheduled step; answers the delay the step after it was scheduled with. */
    private Duration step() {
        Step next = schedule.poll();
        assertThat(next).as("a scheduled step").isNotNull();
        next.step().run();
        assertThat(schedule).as("the link always schedules its next step").hasSize(1);
        return schedule.peek().delay();
    }

    private static InvalidationEntry purge(long sequence, String url) {
        return new InvalidationEntry(sequence, InvalidationEntry.Kind.PURGE, List.of(url), null, null, null, false,
                false, null);
    }

    @Test
    void heartbeatsAndCatchUpContinueOnTheSecondAtOnceWhenTheFirstStops() {
        link.begin();
        step(); // registration
        assertThat(step()).as("heartbeat answered: the next after the interval").isEqualTo(INTERVAL);
        assertThat(first.registrations()).hasSize(1);
        assertThat(first.heartbeats()).hasSize(1);

        URI firstUrl = first.link().url();
        URI secondUrl = second.link().url();
        first.close();
        second.reply(new HeartbeatReply(1, List.of(purge(1, "http://a.test/logo.png")), false, true));
        try (LogRecords logs = LogRecords.of(ControlPlanes.class)) {
            assertThat(step()).as("the purge logged on the second was applied: the next heartbeat goes at once")
                    .isZero();
            assertThat(logs.messages()).singleElement().asString()
                    .startsWith("edge eu-1: control plane switched: from=" + firstUrl + " to=" + secondUrl
                            + " why=");
        }
        assertThat(applied).containsExactly(1L);
        assertThat(second.heartbeats()).hasSize(1);
        assertThat(second.registrations()).as("the shared store knows the edge: no second registration").isEmpty();

        assertThat(step()).as("no backoff: the second answers, so heartbeats keep the interval").isEqualTo(INTERVAL);
        assertThat(second.heartbeats()).hasSize(2);
        assertThat(second.heartbeats().get(1).appliedSequence()).isEqualTo(1);
        assertThat(link.registered()).isTrue();
        assertThat(link.stepFailures()).isZero();
    }

    @Test
    void aRoundWithNoneAnsweringBacksOffAsWithOneAndTheFirstAnswerEndsIt() {
        link.begin();
        step();
        step();
        first.down();
        second.down();
        assertThat(step()).as("both refused: the first backoff is the heartbeat").isEqualTo(HEARTBEAT);
        assertThat(step()).as("doubling").isEqualTo(HEARTBEAT.multipliedBy(2));
        int askedFirst = first.heartbeats().size();
        second.up();
        assertThat(step()).as("the second answers: back to the interval").isEqualTo(INTERVAL);
        assertThat(second.heartbeats()).isNotEmpty();
        assertThat(first.heartbeats()).as("the 503s are not recorded as heartbeats").hasSize(askedFirst);
    }
}
