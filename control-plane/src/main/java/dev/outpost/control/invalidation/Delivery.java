package dev.outpost.control.invalidation;

import java.time.Instant;
import java.util.Optional;

/**
 * One edge's state for one log entry: {@code pending} (sent or about to be), {@code applied} (acked, with the time
 * the control plane learnt it), or {@code behind} (the live push failed or the edge was down: it gets the entry on
 * its next heartbeat).
 */
public record Delivery(String node, State state, Optional<Instant> appliedAt, Optional<String> detail) {
    public enum State {
        PENDING, APPLIED, BEHIND;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
