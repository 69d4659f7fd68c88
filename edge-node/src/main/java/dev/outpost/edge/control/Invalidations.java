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
import java.util.List;

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
        return applied.apply(entry.sequence(), () -> carryOut(entry, from));
    }

    /**
     * The catch-up's way in: one entry as {@link #apply} does, and a whole page as one batch, in order, whose purges'
     * disk changes are flushed once per directory after the page's last entry (not once per purge) and before the
     * page's mark is recorded ({@link AppliedSequence#applyAll}).
     */
    public ControlPlaneLink.Entries entries(ProxyHeaders.Client from) {
        return new ControlPlaneLink.Entries() {
            @Override
            public AppliedSequence.Outcome<?> apply(InvalidationEntry entry) {
                return Invalidations.this.apply(entry, from);
            }

            @Override
            public AppliedSequence.Batch applyAll(List<InvalidationEntry> page) {
                return applied.applyAll(page, InvalidationEntry::sequence, entry -> carryOut(entry, from),
                        purger::flushingOnce);
            }
        };
    }

    private Object carryOut(InvalidationEntry entry, ProxyHeaders.Client from) {
        return switch (entry.kind()) {
            case PURGE -> purge(EdgePurge.of(entry));
            case PUSH -> prefetch(EdgePrefetch.of(entry), from);
            case CONFIG -> services.apply(entry.config());
        };
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
