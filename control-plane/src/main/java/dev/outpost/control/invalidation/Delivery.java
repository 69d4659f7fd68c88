package dev.outpost.control.invalidation;

import java.time.Instant;
import java.util.Optional;

/**
 * One edge's state for one log entry: {@code pending} (sent or about to be), {@code applied} (acked, with the time
 * the control plane learnt it), {@code behind} (the live push failed or the edge was down: it gets the entry on its
 * next heartbeat), or {@code removed} (the edge was removed from the registry before applying it: no longer waited
 * for).
 */
public record Delivery(String node, State state, Optional<Instant> appliedAt, Optional<String> detail) {
    public enum State {
        PENDING, APPLIED, BEHIND, REMOVED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
