package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.testkit.ManualClock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class CollapserTest {
    private final ManualClock clock = new ManualClock();
    private final Collapser<String> collapser = new Collapser<>(2, Duration.ofSeconds(5), Duration.ofSeconds(30),
            clock);

    @Test
    void firstCallerLeadsAndFollowersGetItsOutcome() throws Exception {
        var lead = (Collapser.Lead<String>) collapser.enter("k");
        var follow = (Collapser.Follow<String>) collapser.enter("k");
        assertThat(follow.result()).isNotDone();
        lead.complete("body");
        assertThat(follow.result().get()).isEqualTo("body");
        assertThat(collapser.inFlight()).isZero();
    }

    @Test
    void afterCompletionTheNextCallerLeadsAgain() {
        var lead = (Collapser.Lead<String>) collapser.enter("k");
        lead.complete("x");
        assertThat(collapser.enter("k")).isInstanceOf(Collapser.Lead.class);
    }

    @Test
    void followersBeyondTheLimitAreTurnedAway() {
        collapser.enter("k");
        collapser.enter("k");
        collapser.enter("k");
        assertThat(collapser.enter("k")).isInstanceOf(Collapser.Full.class);
        assertThat(collapser.enter("other")).isInstanceOf(Collapser.Lead.class);
    }

    @Test
    void leaderFailureReachesFollowers() {
        var lead = (Collapser.Lead<String>) collapser.enter("k");
        var follow = (Collapser.Follow<String>) collapser.enter("k");
        lead.fail(new IllegalStateException("origin down"));
        assertThatThrownBy(() -> follow.result().get()).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void followerWaitIsBounded() {
        Collapser<String> quick = new Collapser<>(10, Duration.ofMillis(50), Duration.ZERO, clock);
        quick.enter("k");
        var follow = (Collapser.Follow<String>) quick.enter("k");
        assertThatThrownBy(() -> follow.result().get()).hasCauseInstanceOf(TimeoutException.class);
    }

    @Test
    void hitForPassLastsItsConfiguredTimeOnTheInjectedClock() {
        collapser.markPass("k");
        assertThat(collapser.isPass("k")).isTrue();
        clock.advance(Duration.ofSeconds(29));
        assertThat(collapser.isPass("k")).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(collapser.isPass("k")).isFalse();
    }
}
