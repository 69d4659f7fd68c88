package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UnknownHostsTest {
    @Test
    void theHostsAreReadFromTheStartOfAnEdgesAnswer() {
        assertThat(UnknownHosts.named("{\"unknownHosts\":[\"a.test\",\"127.0.2.9\"],\"removed\":0}"))
                .containsExactly("a.test", "127.0.2.9");
        assertThat(UnknownHosts.named("{\"unknownHosts\":[],\"removed\":3,\"markedStale\":0}")).isEmpty();
    }

    @Test
    void anAnswerTheControlPlaneShortenedStillGivesTheHostsItHolds() {
        assertThat(UnknownHosts.named("{\"unknownHosts\":[\"a.test\",\"b.te")).containsExactly("a.test");
    }

    @Test
    void otherDetailsNameNoHosts() {
        assertThat(UnknownHosts.named("{\"sequence\":4,\"appliedSequence\":9,\"alreadyApplied\":true}")).isEmpty();
        assertThat(UnknownHosts.named("edge answered 500")).isEmpty();
        assertThat(UnknownHosts.named("")).isEmpty();
    }
}
