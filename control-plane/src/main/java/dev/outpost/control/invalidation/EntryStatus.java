package dev.outpost.control.invalidation;

import java.util.List;

/**
 * Where an entry stands across the edges that were in scope when it was accepted: {@code pending} while pushes are
 * still in flight; {@code partial} while some edge is behind (down, or its push failed: the control plane retries
 * and the edge catches up on its heartbeat); otherwise {@code failed} when some edge could not carry out a push (it
 * stored not every URL, or the push expired before it got it) or dead-lettered it (refused it, or could not apply
 * it within {@code delivery.maxTries}), else {@code complete}: every edge applied it, or was fenced (unreachable
 * past the grace period, named in the answer) or removed since, or an operator discarded its dead letter.
 */
public enum EntryStatus {
    PENDING, COMPLETE, PARTIAL, FAILED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static EntryStatus of(List<Delivery> deliveries) {
        boolean behind = false;
        boolean pending = false;
        boolean failed = false;
        for (Delivery d : deliveries) {
            behind |= d.state() == Delivery.State.BEHIND;
            pending |= d.state() == Delivery.State.PENDING;
            failed |= d.state() == Delivery.State.FAILED || d.state() == Delivery.State.EXPIRED
                    || d.state() == Delivery.State.DEAD_LETTERED;
        }
        return behind ? PARTIAL : pending ? PENDING : failed ? FAILED : COMPLETE;
    }

    /** Nothing will change any more (no edge pending or behind). */
    public boolean settled() {
        return this == COMPLETE || this == FAILED;
    }
}
