package dev.outpost.control.invalidation;

import java.util.List;

/**
 * Where an entry stands across the edges that were in scope when it was accepted: {@code complete} once every one
 * applied it (or none was in scope; edges removed since do not count), {@code partial} while some edge is behind (down, or its push failed; it will
 * catch up on its heartbeat), {@code pending} while pushes are still in flight.
 */
public enum EntryStatus {
    PENDING, COMPLETE, PARTIAL;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static EntryStatus of(List<Delivery> deliveries) {
        boolean behind = false;
        boolean pending = false;
        for (Delivery d : deliveries) {
            behind |= d.state() == Delivery.State.BEHIND;
            pending |= d.state() == Delivery.State.PENDING;
        }
        return behind ? PARTIAL : pending ? PENDING : COMPLETE;
    }
}
