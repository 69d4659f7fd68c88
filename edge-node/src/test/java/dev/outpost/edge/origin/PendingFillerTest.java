package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PendingFillerTest {
    private final AtomicInteger runs = new AtomicInteger();
    private final List<Runnable> elsewhere = new ArrayList<>();
    private final PendingFiller filler = new PendingFiller(bodyStillComing -> {
        runs.incrementAndGet();
        bodyStillComing.run();
    }, elsewhere::add);

    @Test
    void runHereRunsTheFillerOnThisThreadOnceAndPassesItTheHandOver() {
        AtomicInteger handedOver = new AtomicInteger();
        assertThat(filler.pending()).isTrue();
        assertThat(filler.runHere(handedOver::incrementAndGet)).isTrue();
        assertThat(runs).hasValue(1);
        assertThat(handedOver).hasValue(1);
        assertThat(filler.pending()).isFalse();
        assertThat(filler.runHere(handedOver::incrementAndGet)).as("started already").isFalse();
        filler.startElsewhere();
        assertThat(elsewhere).isEmpty();
        assertThat(runs).hasValue(1);
    }

    @Test
    void startElsewhereHandsTheFillerToTheExecutorOnceAndThenNothingRunsItHere() {
        filler.startElsewhere();
        filler.startElsewhere();
        assertThat(elsewhere).hasSize(1);
        assertThat(filler.runHere(() -> { })).isFalse();
        elsewhere.getFirst().run();
        assertThat(runs).hasValue(1);
    }

    @Test
    void aFillerStartedAtOnceIsNotPending() {
        assertThat(PendingFiller.STARTED.pending()).isFalse();
        assertThat(PendingFiller.STARTED.runHere(() -> { })).isFalse();
    }
}
