package dev.outpost.edge.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.wire.RegistrationReply;
import dev.outpost.common.wire.TrafficBatch;
import dev.outpost.common.wire.TrafficBatch.TrafficCount;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.edge.metrics.TrafficCounts;
import dev.outpost.testkit.ManualClock;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The edge's traffic batches on the heartbeat: counted per minute, service and status class, sealed once and sent
 * again unchanged after a lost reply (so the control plane can count each batch once), and sent only to a control
 * plane that says it takes them.
 */
class TrafficBatchesTest {
    private static final ControlPlaneLinkConfig CONFIG = ControlPlaneLinkConfig
            .of(URI.create("http://127.0.0.1:8000"), "node-token-0123456789")
            .withTimings(Duration.ofMillis(200), Duration.ofSeconds(1));

    private final ManualClock clock = ManualClock.startingAt("2026-01-01T00:00:10Z");
    private final TrafficCounts traffic = new TrafficCounts(clock);
    private final Deque<Object> answers = new ArrayDeque<>();
    private final List<Heartbeat> heartbeats = new ArrayList<>();
    private final Deque<Runnable> schedule = new ArrayDeque<>();
    private boolean takesTraffic = true;

    private final ControlPlaneApi controlPlane = new ControlPlaneApi() {
        @Override
        public RegistrationReply register(NodeRegistration registration) {
            return new RegistrationReply("eu-1", 0, 0, 200);
        }

        @Override
        public HeartbeatReply heartbeat(String nodeId, Heartbeat heartbeat) throws IOException {
            heartbeats.add(heartbeat);
            Object next = answers.isEmpty() ? new HeartbeatReply(0, List.of(), false, true) : answers.poll();
            if (next instanceof IOException e) {
                throw e;
            }
            return (HeartbeatReply) next;
        }

        @Override
        public boolean acceptsTraffic() {
            return takesTraffic;
        }
    };

    private final ControlPlaneLink link = new ControlPlaneLink(new ControlPlaneLink.Identity("eu-1", "eu",
            URI.create("http://127.0.2.1:8080"), Optional.empty()), CONFIG, controlPlane, new AppliedSequence(),
            entry -> "ok", () -> new ControlPlaneLink.Stats(0, 0, 0), () -> true, (step, delay) -> schedule.add(step),
            () -> { }, Lease.none(), traffic);

    private void runNext() {
        schedule.poll().run();
    }

    private Optional<TrafficBatch> lastBatch() {
        return Optional.ofNullable(heartbeats.get(heartbeats.size() - 1).traffic());
    }

    @Test
    void requestsAreCountedPerMinuteServiceAndStatusClass() {
        traffic.record("www", 200, true, 100);
        traffic.record("www", 204, false, 0);
        traffic.record("www", 503, false, 20);
        traffic.record("img", 200, true, 5);
        clock.advance(Duration.ofMinutes(1));
        traffic.record("www", 200, true, 7);

        TrafficBatch batch = traffic.next().orElseThrow();
        long minute = 1767225600000L;
        assertThat(batch.batch()).isEqualTo(1);
        assertThat(batch.counts()).containsExactly(
                new TrafficCount(minute, "img", "2xx", 1, 1, 5),
                new TrafficCount(minute, "www", "2xx", 2, 1, 100),
                new TrafficCount(minute, "www", "5xx", 1, 0, 20),
                new TrafficCount(minute + 60_000, "www", "2xx", 1, 1, 7));
    }

    @Test
    void aHeartbeatRetriedAfterALostReplyCarriesTheSameBatchAndLaterRequestsGoInTheNext() {
        link.begin();
        runNext(); // registration, then the first heartbeat: nothing counted yet
        runNext();
        assertThat(lastBatch()).isEmpty();

        traffic.record("www", 200, true, 10);
        traffic.record("www", 200, false, 10);
        answers.add(new SocketTimeoutException("timeout")); // it may have been counted, or not
        runNext();
        TrafficBatch first = lastBatch().orElseThrow();
        traffic.record("www", 200, true, 10);
        runNext(); // the retry
        assertThat(lastBatch()).contains(first);
        assertThat(first.counts()).singleElement().extracting(TrafficCount::requests).isEqualTo(2L);

        runNext();
        TrafficBatch second = lastBatch().orElseThrow();
        assertThat(second.epoch()).isEqualTo(first.epoch());
        assertThat(second.batch()).isEqualTo(first.batch() + 1);
        assertThat(second.counts()).singleElement().extracting(TrafficCount::requests).isEqualTo(1L);
    }

    @Test
    void aControlPlaneThatDoesNotSayItTakesBatchesGetsNoneAndTheCountsWait() {
        takesTraffic = false;
        traffic.record("www", 200, true, 10);
        link.begin();
        runNext();
        runNext();
        assertThat(lastBatch()).isEmpty();

        takesTraffic = true;
        runNext();
        assertThat(lastBatch().orElseThrow().counts()).singleElement().extracting(TrafficCount::requests)
                .isEqualTo(1L);
    }
}
