package dev.outpost.control.invalidation;

import dev.outpost.common.wire.InvalidationEntry;
import java.time.Instant;

/** An entry as the log holds it: what to do, when it was accepted and which token asked for it. */
public record LoggedEntry(InvalidationEntry entry, Instant acceptedAt, String requestedBy) {
    public long sequence() {
        return entry.sequence();
    }

    /** {@code p-42} for purges, {@code push-42} for pushes: the id the API answers with. */
    public String id() {
        return Ids.of(entry.kind(), entry.sequence());
    }
}
