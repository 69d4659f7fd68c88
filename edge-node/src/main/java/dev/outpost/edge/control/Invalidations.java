package dev.outpost.edge.control;

import dev.outpost.common.wire.ConfigResult;
import dev.outpost.common.wire.EdgePrefetch;
import dev.outpost.common.wire.EdgePrefetchResult;
import dev.outpost.common.wire.EdgePurge;
import dev.outpost.common.wire.EdgePurgeResult;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.edge.cache.Purger;
import dev.outpost.edge.origin.Prefetcher;
import dev.outpost.edge.origin.ProxyHeaders;
import dev.outpost.edge.service.ServiceDirectory;

/**
 * The one way this edge carries out the control plane's invalidation entries, whichever way they arrive: a live push
 * (the admin call, its sequence in {@code X-Outpost-Sequence}) and the heartbeat catch-up both call {@link #apply},
 * which passes the {@link AppliedSequence} gate (each entry once, in order) and does what the entry says, exactly as
 * the admin call of that entry would ({@link EdgePurge} → {@link Purger}, {@link EdgePrefetch} →
 * {@link Prefetcher}, a config entry's {@link dev.outpost.common.wire.ServiceChange} → {@link ServiceDirectory}).
 * A refused configuration change is still an applied entry (its {@link ConfigResult} says why it was refused), so
 * it never holds later entries back. An operator's own call without a sequence is carried out at once ({@link #purge},
 * {@link #prefetch}).
 */
public final class Invalidations {
    private final AppliedSequence applied;
    private final Purger purger;
    private final Prefetcher prefetcher;
    private final ServiceDirectory services;

    public Invalidations(AppliedSequence applied, Purger purger, Prefetcher prefetcher, ServiceDirectory services) {
        this.applied = applied;
        this.services = services;
        this.purger = purger;
        this.prefetcher = prefetcher;
    }

    /**
     * Applies entry {@code entry.sequence()} unless it was applied already; {@code from} is who asked (the control
     * plane), named to the origin when a push fetches.
     */
    public AppliedSequence.Outcome<Object> apply(InvalidationEntry entry, ProxyHeaders.Client from) {
        return applied.apply(entry.sequence(), () -> switch (entry.kind()) {
            case PURGE -> purge(EdgePurge.of(entry));
            case PUSH -> prefetch(EdgePrefetch.of(entry), from);
            case CONFIG -> services.apply(entry.config());
        });
    }

    /** A purge, at once. */
    public EdgePurgeResult purge(EdgePurge call) {
        return purger.purge(call);
    }

    /** A prefetch (push by URL), at once. */
    public EdgePrefetchResult prefetch(EdgePrefetch call, ProxyHeaders.Client from) {
        return prefetcher.prefetch(call.urls(), from);
    }
}
