package dev.outpost.control.invalidation;

import dev.outpost.common.wire.InvalidationEntry.Kind;
import java.time.Instant;
import java.util.Optional;

/**
 * A delivery that was dead-lettered: edge {@code node} refused entry {@code sequence} as invalid, or answered
 * {@code delivery.maxTries} pushes of it with a server error, and moved on to later entries without it. {@code state}
 * is {@code dead_lettered} while it is open, {@code applied} once an operator's retry reached the edge ({@code
 * appliedAt}), {@code discarded} once an operator gave up on it; {@code reason} is the edge's last answer and
 * {@code tries} how many pushes it answered with an error. Kept as long as its entry is (log retention).
 */
public record DeadLetter(long sequence, String node, Kind kind, Delivery.State state, String reason, int tries,
        Instant deadLetteredAt, Optional<Instant> appliedAt) {
    public boolean open() {
        return state == Delivery.State.DEAD_LETTERED;
    }
}
