package dev.outpost.edge.cache;

import java.time.Instant;
import java.util.Optional;

/** The cache's pure decision for a request, given what is stored and the time (DESIGN §3). */
public final class Decisions {
    private Decisions() {
    }

    public static Action decide(String method, Optional<CachedObject> stored, Instant now) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return Action.BYPASS;
        }
        if (stored.isEmpty()) {
            return Action.FETCH;
        }
        CachedObject entry = stored.get();
        if (entry.isFresh(now) && !entry.alwaysRevalidate()) {
            return Action.SERVE;
        }
        if (!entry.invalidated() && !entry.alwaysRevalidate() && !entry.noStale()
                && entry.staleness(now).compareTo(entry.staleWhileRevalidate()) <= 0
                && !entry.staleWhileRevalidate().isZero()) {
            return Action.SERVE_STALE_AND_REVALIDATE;
        }
        return Action.REVALIDATE;
    }
}
