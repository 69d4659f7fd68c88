package dev.outpost.control.invalidation;

import java.time.Instant;
import java.util.Optional;

/**
 * One edge's state for one log entry:
 * <ul>
 * <li>{@code pending}: sent or about to be;
 * <li>{@code applied}: acked, with the time the control plane learnt it (for a push: every URL stored);
 * <li>{@code failed}: a push the edge carried out but that did not store every URL; {@code detail} names them;
 * <li>{@code behind}: the live push failed or the edge was down: the control plane retries, and the edge gets it on
 * its next heartbeat too;
 * <li>{@code fenced}: the edge was unreachable past {@code delivery.fenceAfter}: no longer waited for; it
 * revalidates everything it holds when it returns;
 * <li>{@code expired}: a push the edge did not get within {@code log.pushExpiry}: never replayed;
 * <li>{@code removed}: the edge was removed from the registry before applying it: no longer waited for;
 * <li>{@code dead_lettered}: the edge refused the entry as invalid, or answered {@code delivery.maxTries} pushes of it
 * with a server error: it moved on to later entries without it; {@code detail} is its last reason. An operator
 * retries it ({@code applied} when the edge takes it) or discards it;
 * <li>{@code discarded}: a dead letter an operator gave up on: no longer waited for.
 * </ul>
 */
public record Delivery(String node, State state, Optional<Instant> appliedAt, Optional<String> detail) {
    public enum State {
        PENDING, APPLIED, FAILED, BEHIND, FENCED, EXPIRED, REMOVED, DEAD_LETTERED, DISCARDED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static State of(String wireName) {
            return valueOf(wireName.toUpperCase(java.util.Locale.ROOT));
        }
    }
}
