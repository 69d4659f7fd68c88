package dev.outpost.control.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which edge answers are refusals of a configuration change. */
class ConfigResultsTest {
    @Test
    void onlyAConfigResultWithAppliedFalseIsARefusal() {
        assertThat(ConfigResults.refusal("{\"version\":8,\"applied\":false,\"reason\":\"host taken\"}"))
                .contains("refused by the edge: host taken");
        assertThat(ConfigResults.refusal("{\"version\":8,\"applied\":false}"))
                .contains("refused by the edge: (no reason given)");
        assertThat(ConfigResults.refusal("{\"version\":8,\"applied\":true}")).isEmpty();
        assertThat(ConfigResults.refusal("{}")).isEmpty();
        assertThat(ConfigResults.refusal("{\"stored\":1,\"notStored\":0,\"bytes\":10,\"failures\":[]}")).isEmpty();
        assertThat(ConfigResults.refusal("{\"alreadyApplied\":true}")).isEmpty();
        assertThat(ConfigResults.refusal("not json")).isEmpty();
    }
}
