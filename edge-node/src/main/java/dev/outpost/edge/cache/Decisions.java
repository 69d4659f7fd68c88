package dev.outpost.edge.cache;

import java.time.Instant;
import java.util.Optional;

/** The cache's pure decision for a request, given what is stored and the time (docs/architecture.md, "Edge request flow"). */
public final class Decisions {
    private Decisions() {
    }

    public static Action decide(String method, Optional<CachedObject> stored, Instant now) {
        return decide(method, stored.orElse(null), now);
    }

    /** The same, with {@code null} for "nothing stored" (the hit path avoids the Optional). */
    public static Action decide(String method, CachedObject entry, Instant now) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return Action.BYPASS;
        }
        if (entry == null) {
            return Action.FETCH;
        }
        if (entry.isFresh(now) && !entry.alwaysRevalidate()) {
            return Action.SERVE;
        }
        if (!entry.invalidated() && !entry.alwaysRevalidate() && !entry.noStale()
                && !entry.staleWhileRevalidate().isZero()
                && entry.stalenessNanos(now) <= CachedObject.nanos(entry.staleWhileRevalidate())) {
            return Action.SERVE_STALE_AND_REVALIDATE;
        }
        return Action.REVALIDATE;
    }
}
