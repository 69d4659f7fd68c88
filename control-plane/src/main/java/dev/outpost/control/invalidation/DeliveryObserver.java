package dev.outpost.control.invalidation;

import dev.outpost.common.wire.InvalidationEntry.Kind;
import java.time.Duration;
import java.util.Optional;

/**
 * What the log and the dispatcher tell the control plane's metrics: an entry accepted, an entry settled (every edge
 * in scope applied it, failed it, or stopped being waited for) with the time from its acceptance to the last edge's
 * acknowledgement, a push retried to an edge, an entry dead-lettered for an edge. Called on the thread that made the
 * change, under the log's lock: an observer only counts.
 */
public interface DeliveryObserver {
    DeliveryObserver NONE = new DeliveryObserver() {
    };

    /** An entry was logged (a repeated Idempotency-Key logs nothing). */
    default void accepted(Kind kind) {
    }

    /**
     * An entry accepted by this process settled; {@code toLastAck} is empty when no edge acknowledged it (every edge
     * in scope was fenced or removed, or none was in scope).
     */
    default void settled(Kind kind, EntryStatus status, Optional<Duration> toLastAck) {
    }

    /** The dispatcher pushed an entry to {@code node} again, in a retry round after an earlier push failed. */
    default void retried(String node) {
    }

    /**
     * An entry was dead-lettered for {@code node}: {@code refused} as invalid, or (false) not applied within
     * {@code delivery.maxTries}.
     */
    default void deadLettered(String node, boolean refused) {
    }
}
