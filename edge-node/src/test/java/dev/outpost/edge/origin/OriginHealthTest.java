package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.config.OriginBreaker;
import dev.outpost.testkit.ManualClock;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The circuit breaker's rules, with probes run by hand: no sockets, no sleeping. */
class OriginHealthTest {
    private static final URI PRIMARY = URI.create("http://primary.test:8080");
    private static final URI BACKUP = URI.create("http://backup.test:8080");

    private final ManualClock clock = new ManualClock();
    /** Probes the health scheduled, with their delays; a test runs them with {@link #runProbe}. */
    private final Deque<Runnable> scheduled = new ArrayDeque<>();
    private final List<Duration> delays = new ArrayList<>();
    /** What the next probes find: empty = the origin answered. */
    private final Deque<Optional<String>> probeResults = new ArrayDeque<>();
    private final List<URI> probed = new ArrayList<>();

    private OriginHealth health(OriginBreaker config) {
        return new OriginHealth(config, List.of(PRIMARY, BACKUP), origin -> {
            probed.add(origin);
            return probeResults.isEmpty() ? Optional.of("no answer") : probeResults.poll();
        }, (task, delay) -> {
            scheduled.add(task);
            delays.add(delay);
        }, clock);
    }

    private OriginHealth threeFailures() {
        return health(OriginBreaker.of(3, Duration.ofSeconds(2), Duration.ofSeconds(10)));
    }

    private void runProbe() {
        assertThat(scheduled).as("a probe is scheduled").isNotEmpty();
        scheduled.poll().run();
    }

    @Test
    void theCircuitOpensAfterTheConfiguredFailuresInARowAndThenShortCircuitsRequests() {
        OriginHealth health = threeFailures();
        health.failed(PRIMARY, "connect refused");
        health.failed(PRIMARY, "connect refused");
        assertThat(health.allows(PRIMARY)).as("two failures of three: still closed").isTrue();
        health.failed(PRIMARY, "read timed out");

        assertThat(health.allows(PRIMARY)).isFalse();
        assertThat(health.allows(PRIMARY)).isFalse();
        OriginHealth.OriginState state = health.state(PRIMARY);
        assertThat(state.state()).isEqualTo("open");
        assertThat(state.opened()).isEqualTo(1);
        assertThat(state.shortCircuited()).isEqualTo(2);
        assertThat(state.openedAt()).contains(clock.instant());
        assertThat(state.lastFailure()).contains("read timed out");
        assertThat(health.down()).containsExactly(PRIMARY.toString());
        assertThat(health.allows(BACKUP)).as("circuits are per origin").isTrue();
        assertThat(delays).as("the first probe after probeAfter").containsExactly(Duration.ofSeconds(2));
    }

    @Test
    void anAnswerBetweenFailuresStartsTheCountAgain() {
        OriginHealth health = threeFailures();
        health.failed(PRIMARY, "refused");
        health.failed(PRIMARY, "refused");
        health.responded(PRIMARY, 200);
        health.failed(PRIMARY, "refused");
        health.failed(PRIMARY, "refused");
        assertThat(health.allows(PRIMARY)).isTrue();
        assertThat(scheduled).isEmpty();
    }

    @Test
    void gatewayErrorsCountAsFailuresButOtherAnswersProveTheOriginIsThere() {
        OriginHealth health = threeFailures();
        health.responded(PRIMARY, 502);
        health.responded(PRIMARY, 504);
        health.responded(PRIMARY, 500); // one broken URL: the origin answers
        health.responded(PRIMARY, 404);
        health.responded(PRIMARY, 503);
        health.responded(PRIMARY, 503);
        assertThat(health.allows(PRIMARY)).isTrue();
        health.responded(PRIMARY, 503);
        assertThat(health.allows(PRIMARY)).isFalse();
    }

    @Test
    void aFailedProbeKeepsItOpenAndDoublesTheWaitUpToTheMaximum() {
        OriginHealth health = threeFailures();
        for (int i = 0; i < 3; i++) {
            health.failed(PRIMARY, "refused");
        }
        for (int i = 0; i < 4; i++) {
            runProbe();
            assertThat(health.allows(PRIMARY)).isFalse();
        }
        assertThat(delays).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
                Duration.ofSeconds(10), Duration.ofSeconds(10));
        assertThat(scheduled).as("one probe at a time").hasSize(1);
        assertThat(probed).containsOnly(PRIMARY).hasSize(4);
        assertThat(health.state(PRIMARY).lastFailure()).contains("no answer");
    }

    @Test
    void anAnsweredProbeClosesTheCircuitAndTheNextOpeningStartsWithTheFirstWaitAgain() {
        OriginHealth health = threeFailures();
        for (int i = 0; i < 3; i++) {
            health.failed(PRIMARY, "refused");
        }
        runProbe(); // fails: next in 4 s
        probeResults.add(Optional.empty());
        runProbe();
        assertThat(health.allows(PRIMARY)).isTrue();
        assertThat(health.state(PRIMARY).state()).isEqualTo("closed");
        assertThat(health.state(PRIMARY).openedAt()).isEmpty();
        assertThat(health.down()).isEmpty();
        assertThat(scheduled).as("no probe once closed").isEmpty();

        for (int i = 0; i < 3; i++) {
            health.failed(PRIMARY, "refused");
        }
        assertThat(health.state(PRIMARY).opened()).isEqualTo(2);
        assertThat(delays.getLast()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void whileAProbeIsOutTheCircuitIsHalfOpenAndStillShortCircuits() {
        OriginHealth[] holder = new OriginHealth[1];
        List<String> seenDuringProbe = new ArrayList<>();
        holder[0] = new OriginHealth(OriginBreaker.of(1, Duration.ofSeconds(1), Duration.ofSeconds(1)),
                List.of(PRIMARY), origin -> {
                    seenDuringProbe.add(holder[0].state(PRIMARY).state());
                    seenDuringProbe.add(Boolean.toString(holder[0].allows(PRIMARY)));
                    return Optional.empty();
                }, (task, delay) -> scheduled.add(task), clock);
        holder[0].failed(PRIMARY, "refused");
        runProbe();
        assertThat(seenDuringProbe).containsExactly("half-open", "false");
        assertThat(holder[0].allows(PRIMARY)).isTrue();
    }

    @Test
    void aRequestAnsweredWhileOpenClosesTheCircuitAndTheProbeThenStandsDown() {
        OriginHealth health = threeFailures();
        for (int i = 0; i < 3; i++) {
            health.failed(PRIMARY, "refused");
        }
        health.responded(PRIMARY, 200); // a slow request sent before it opened came back
        assertThat(health.allows(PRIMARY)).isTrue();
        runProbe();
        assertThat(probed).as("no probe of a closed circuit").isEmpty();
        assertThat(scheduled).isEmpty();
    }

    @Test
    void aProbeScheduledForAnEarlierOpeningStandsDownSoOnlyOneProbeIsEverOut() {
        OriginHealth health = threeFailures();
        for (int i = 0; i < 3; i++) {
            health.failed(PRIMARY, "refused");
        }
        health.responded(PRIMARY, 200); // closed by a request's answer, the first probe still scheduled
        for (int i = 0; i < 3; i++) {
            health.failed(PRIMARY, "refused"); // opened again: a probe of its own
        }
        assertThat(scheduled).hasSize(2);
        runProbe(); // the first opening's
        assertThat(probed).as("the stale probe stands down").isEmpty();
        runProbe(); // this opening's
        assertThat(probed).containsExactly(PRIMARY);
        assertThat(scheduled).as("it failed: the next of this opening only").hasSize(1);
    }

    @Test
    void failuresOfAnOpenCircuitDoNotScheduleMoreProbes() {
        OriginHealth health = threeFailures();
        for (int i = 0; i < 6; i++) {
            health.failed(PRIMARY, "refused"); // requests already under way when it opened
        }
        assertThat(scheduled).hasSize(1);
        assertThat(health.state(PRIMARY).opened()).isEqualTo(1);
    }

    @Test
    void aBreakerThatIsOffLetsEveryRequestThrough() {
        OriginHealth health = health(OriginBreaker.off());
        for (int i = 0; i < 20; i++) {
            health.failed(PRIMARY, "refused");
        }
        assertThat(health.allows(PRIMARY)).isTrue();
        assertThat(scheduled).isEmpty();
    }
}
