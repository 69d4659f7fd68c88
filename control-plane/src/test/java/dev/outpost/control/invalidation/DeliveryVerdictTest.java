package dev.outpost.control.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.control.invalidation.PushFailure.Verdict;
import org.junit.jupiter.api.Test;

class DeliveryVerdictTest {
    @Test
    void answersAboutTheEntryDeadLetterAtOnceOrCountAndAnswersAboutTheEdgeNeverCount() {
        assertThat(Verdict.of(400)).isEqualTo(Verdict.INVALID);
        assertThat(Verdict.of(413)).isEqualTo(Verdict.INVALID);
        assertThat(Verdict.of(415)).isEqualTo(Verdict.INVALID);
        assertThat(Verdict.of(422)).isEqualTo(Verdict.INVALID);
        assertThat(Verdict.of(500)).isEqualTo(Verdict.NOT_APPLIED);
        assertThat(Verdict.of(502)).isEqualTo(Verdict.NOT_APPLIED);
        assertThat(Verdict.of(503)).as("busy or draining").isEqualTo(Verdict.NOT_NOW);
        assertThat(Verdict.of(401)).as("a wrong token is no fault of the entry").isEqualTo(Verdict.NOT_NOW);
        assertThat(Verdict.of(403)).isEqualTo(Verdict.NOT_NOW);
        assertThat(Verdict.of(404)).isEqualTo(Verdict.NOT_NOW);
        assertThat(Verdict.of(409)).as("not registered yet").isEqualTo(Verdict.NOT_NOW);
        assertThat(Verdict.of(429)).isEqualTo(Verdict.NOT_NOW);
    }
}
