package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PurgeFenceTest {
    private final AtomicLong nanos = new AtomicLong();
    private final PurgeFence fence = new PurgeFence(Duration.ofSeconds(60), 3, nanos::get);

    @Test
    void aPurgeAfterTheTicketThatMatchesTheKeyFencesTheAnswer() {
        long ticket = fence.ticket();
        fence.purgedKeys("svc/a"::equals, false);
        assertThat(fence.since(ticket, "svc/a", Set.of())).isPresent();
        assertThat(fence.since(ticket, "svc/b", Set.of())).isEmpty();
    }

    @Test
    void aPurgeBeforeTheTicketDoesNot() {
        fence.purgedKeys(k -> true, false);
        long ticket = fence.ticket();
        assertThat(fence.since(ticket, "svc/a", Set.of())).isEmpty();
    }

    @Test
    void aTagPurgeMatchesAnswersCarryingTheTag() {
        long ticket = fence.ticket();
        fence.purgedTag("css", false);
        assertThat(fence.since(ticket, "svc/a.css", Set.of("static", "css"))).isPresent();
        assertThat(fence.since(ticket, "svc/a.js", Set.of("static"))).isEmpty();
    }

    @Test
    void aHardPurgeWinsOverASoftOneOfTheSameObject() {
        long ticket = fence.ticket();
        fence.purgedKeys("svc/a"::equals, false);
        fence.purgedKeys(k -> k.startsWith("svc/"), true);
        assertThat(fence.since(ticket, "svc/a", Set.of())).get().extracting(PurgeFence.Mark::soft).isEqualTo(false);
        assertThat(fence.since(ticket, "svc/b", Set.of())).get().extracting(PurgeFence.Mark::soft).isEqualTo(true);
    }

    @Test
    void aTicketOlderThanTheRememberedPurgesCountsAsPurged() {
        long ticket = fence.ticket();
        fence.purgedKeys("svc/other"::equals, false);
        nanos.addAndGet(Duration.ofSeconds(61).toNanos()); // that purge is forgotten: the ticket cannot be judged
        assertThat(fence.since(ticket, "svc/a", Set.of())).isPresent();
        long fresh = fence.ticket();
        assertThat(fence.since(fresh, "svc/a", Set.of())).isEmpty();
    }

    @Test
    void beyondMaxMarksTheOldestAreForgottenAndOlderTicketsCountAsPurged() {
        long oldest = fence.ticket();
        fence.purgedKeys("svc/1"::equals, false);
        long middle = fence.ticket();
        fence.purgedKeys("svc/2"::equals, false);
        fence.purgedKeys("svc/3"::equals, false);
        fence.purgedKeys("svc/4"::equals, false); // the 4th mark pushes out the 1st (maxMarks 3)
        assertThat(fence.since(oldest, "svc/unrelated", Set.of())).isPresent();
        assertThat(fence.since(middle, "svc/unrelated", Set.of())).isEmpty();
        assertThat(fence.since(middle, "svc/3", Set.of())).isPresent();
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new PurgeFence(Duration.ZERO, 1, nanos::get)).hasMessageContaining("retention");
        assertThatThrownBy(() -> new PurgeFence(Duration.ofSeconds(1), 0, nanos::get))
                .hasMessageContaining("maxMarks");
    }
}
