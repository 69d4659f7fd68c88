package dev.outpost.edge.origin;

import dev.outpost.edge.cache.Collapser;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Background refreshes for stale-while-revalidate: at most one per key at a time (it leads the key in the
 * collapser, so misses arriving meanwhile wait for it instead of fetching again). A failed refresh leaves the
 * stale copy in place.
 */
public final class Refresher {
    private static final Logger LOG = System.getLogger(Refresher.class.getName());

    private final Collapser<FetchOutcome> collapser;
    private final OriginFetch fetch;
    private final Executor blocking;

    public Refresher(Collapser<FetchOutcome> collapser, OriginFetch fetch, Executor blocking) {
        this.collapser = collapser;
        this.fetch = fetch;
        this.blocking = blocking;
    }

    /** Starts a refresh unless one (or any fetch) for this key is already running; returns whether it did. */
    public boolean refresh(OriginFetch.Target target) {
        Optional<Collapser.Lead<FetchOutcome>> lead = collapser.tryLead(target.key());
        if (lead.isEmpty()) {
            return false;
        }
        blocking.execute(() -> {
            try {
                FetchOutcome outcome = fetch.fetch(target);
                if (outcome instanceof FetchOutcome.Filling f) {
                    // Nobody reads it here: a body to store is filled anyway, one that is not is given up.
                    f.first().close();
                    lead.get().publish(f);
                    f.end().whenComplete((end, error) -> lead.get().finish());
                } else {
                    lead.get().complete(outcome);
                }
            } catch (RuntimeException | Error e) {
                LOG.log(Level.WARNING, "background refresh of " + target.key() + " failed", e);
                lead.get().fail(e);
            }
        });
        return true;
    }
}
