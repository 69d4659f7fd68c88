package dev.outpost.edge.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.config.ControlPlaneLinkConfig.LeaseExpiry;
import dev.outpost.testkit.LogRecords;
import dev.outpost.testkit.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The lease says when it runs out and when it is renewed after that, one line each, however often it is asked. */
class LeaseLinesTest {
    private final ManualClock clock = ManualClock.startingAt("2026-01-01T00:00:00Z");
    private final Lease lease = Lease.of(clock, Duration.ofSeconds(15), LeaseExpiry.REVALIDATE);

    @Test
    void expiryAndTheRenewalAfterItAreLoggedOnceEach() {
        try (LogRecords lines = LogRecords.of(Lease.class)) {
            lease.renewFrom(clock.instant());
            assertThat(lease.expired(clock.instant())).isFalse();
            assertThat(lines.messages()).as("a renewal within the lease is routine: not logged").isEmpty();

            clock.advance(Duration.ofSeconds(16));
            for (int request = 0; request < 3; request++) {
                assertThat(lease.expired(clock.instant())).isTrue();
            }
            lease.renewFrom(clock.instant());
            lease.renewFrom(clock.instant());

            assertThat(lines.messages()).containsExactly(
                    "lease expired: lastRenewed=2026-01-01T00:00:00Z length=PT15S onExpiry=revalidate (no control "
                            + "plane answered and applied for a whole lease)",
                    "lease renewed: validUntil=2026-01-01T00:00:31Z (the control plane answered and everything it "
                            + "held is applied)");
        }
    }
}
