package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.cache.Fields;
import org.junit.jupiter.api.Test;

class OutpostViaTest {
    @Test
    void onlyEntriesWithTheOutpostCommentAreOutpostHops() {
        Fields request = Fields.of("Via", "1.0 fred, 1.1 eu-1 (Outpost), HTTP/1.1 proxy.example (Squid/6)",
                "Via", "2 us-shield-1 (Outpost)");
        assertThat(OutpostVia.hops(request)).containsExactly("eu-1", "us-shield-1");
        assertThat(OutpostVia.passedOutpost(Fields.of("Via", "1.1 eu-1"))).isFalse();
    }

    @Test
    void aNodeThatFindsItsOwnEntryOrAChainLongerThanAnyRealPathSeesALoop() {
        assertThat(OutpostVia.loop(Fields.of("Via", "1.1 eu-1 (Outpost)"), "eu-1")).isPresent();
        assertThat(OutpostVia.loop(Fields.of("Via", "1.1 eu-1 (Outpost)"), "us-shield-1")).isEmpty();
        String chain = String.join(", ", java.util.Collections.nCopies(OutpostVia.MAX_HOPS, "1.1 x (Outpost)"));
        assertThat(OutpostVia.loop(Fields.of("Via", chain), "us-shield-1")).isPresent();
    }

    @Test
    void aCacheFetchCarriesTheOutpostEntriesOnAndDropsTheOthers() {
        Fields request = Fields.of("Via", "1.0 fred, 1.1 eu-1 (Outpost)");
        assertThat(OutpostVia.chained(request, "us-shield-1"))
                .isEqualTo("1.1 eu-1 (Outpost), 1.1 us-shield-1 (Outpost)");
    }
}
