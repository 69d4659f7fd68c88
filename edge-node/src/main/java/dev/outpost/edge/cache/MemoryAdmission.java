package dev.outpost.edge.cache;

import com.github.benmanes.caffeine.cache.Cache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Carries out {@link SizeAwareAdmission} on the memory tier's Caffeine cache: counts every client request in a
 * {@link KeyFrequencies} sketch, and before a fetched or promoted object enters a full tier, asks the rule with the
 * {@value #POOL} entries Caffeine would evict first, then removes the victims it names (so the newcomer finds room
 * and Caffeine need not evict) or keeps the newcomer out. Design and measurements: docs/caching-tiers.md.
 *
 * <p>The pool is read from Caffeine once per {@value #POOL_USES} decisions, or sooner when its victims used most of
 * it up: {@code coldest()} takes the eviction lock and runs the cache's maintenance on each call, which cost 3.5 % of a
 * disk-tier edge's CPU when every admission asked for it. Between reads the pool's keys and weights may be slightly
 * stale (an entry gone or replaced meanwhile); the frequencies are the sketch's of now. A stale victim only frees
 * less than counted, and Caffeine's own bound then evicts the rest on the newcomer's write: the bound holds.
 */
final class MemoryAdmission {
    /** How many of the coldest entries the victims are chosen from. */
    static final int POOL = 16;
    /** Decisions taken on one read of the pool before it is read again. */
    static final int POOL_USES = 8;

    /** A pool entry as read: its key and the bytes it was charged. */
    private record Candidate(String key, long weight) {
    }

    private final Cache<String, UrlVariants> cache;
    private final KeyFrequencies frequencies;
    private final boolean enabled;
    private final LongAdder refused = new LongAdder();
    private final LongAdder evicted = new LongAdder();
    /** The pool as last read (victims taken out), guarded by {@code this}; empty: read it again. */
    private List<Candidate> pool = new ArrayList<>();
    private int poolUses;

    /** @param enabled false: everything is admitted (Caffeine's W-TinyLFU alone decides), requests still counted */
    MemoryAdmission(Cache<String, UrlVariants> cache, KeyFrequencies frequencies, boolean enabled) {
        this.cache = cache;
        this.frequencies = frequencies;
        this.enabled = enabled;
    }

    /** Counts a client request for {@code key} (hit or miss). Allocation-free: it is on the hit path. */
    void requested(String key) {
        frequencies.increment(key);
    }

    /**
     * Whether {@code object} may enter memory: always when its URL is already there (a new variant or a refresh
     * replaces in place) or when it fits in the free bytes; otherwise when it was asked for more often than the
     * entries that leave to make room for it, together, which are then removed. Caffeine's W-TinyLFU still applies
     * its own admission to what is let in.
     */
    boolean admits(CachedObject object) {
        // Quietly: asking is not a request, so it must not count as one in Caffeine's own sketch and recency.
        if (!enabled || cache.policy().getIfPresentQuietly(object.key()) != null) {
            return true;
        }
        var eviction = cache.policy().eviction().orElseThrow();
        long weight = object.weight();
        long free = eviction.getMaximum() - eviction.weightedSize().orElse(0);
        if (weight <= free) {
            return true;
        }
        int frequency = frequencies.frequency(object.key());
        SizeAwareAdmission.Decision decision;
        synchronized (this) {
            if (poolUses >= POOL_USES || pool.size() <= POOL / 2) {
                pool = eviction.coldest(entries -> entries.limit(POOL)
                        .map(e -> new Candidate(e.getKey(), e.weight()))
                        .collect(ArrayList::new, ArrayList::add, ArrayList::addAll));
                poolUses = 0;
            }
            poolUses++;
            List<SizeAwareAdmission.Entry> entries = new ArrayList<>(pool.size());
            for (Candidate c : pool) {
                entries.add(new SizeAwareAdmission.Entry(c.key(), frequencies.frequency(c.key()), c.weight()));
            }
            decision = SizeAwareAdmission.decide(frequency, weight, free, entries);
            if (!decision.victims().isEmpty()) {
                pool.removeIf(c -> decision.victims().contains(c.key()));
            }
        }
        for (String victim : decision.victims()) {
            cache.invalidate(victim);
            evicted.increment();
        }
        if (!decision.admitted()) {
            refused.increment();
        }
        return decision.admitted();
    }

    /** Objects kept out of memory since start. */
    long refused() {
        return refused.sum();
    }

    /** Entries removed to make room for admitted objects since start. */
    long evicted() {
        return evicted.sum();
    }
}
