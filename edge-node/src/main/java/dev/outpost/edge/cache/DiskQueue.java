package dev.outpost.edge.cache;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The disk tier's writes not published yet, by URL key and variant, bounded by the bytes of their bodies: what
 * {@link DiskTier} lookups find until its index holds the file (docs/caching-tiers.md, "Queued writes"). Holds no
 * policy: {@link DiskTier} decides what a queued object may answer (its {@link DiskTier.Guard}) and when it leaves.
 */
final class DiskQueue {
    /** A write waiting for the writer, with what its publishing (and any lookup meanwhile) is checked against. */
    record Queued(CachedObject object, long ticket, DiskTier.Guard guard) {
    }

    /** A URL's queued variants, immutable (a changed Vary list drops the variants queued under the old one). */
    private record Variants(List<String> vary, Map<String, Queued> byVariant) {
        static Variants add(Variants old, Queued q) {
            CachedObject o = q.object();
            if (old == null || !old.vary().equals(o.vary())) {
                return new Variants(o.vary(), Map.of(o.variant(), q));
            }
            LinkedHashMap<String, Queued> copy = new LinkedHashMap<>(old.byVariant());
            copy.put(o.variant(), q);
            return new Variants(old.vary(), Collections.unmodifiableMap(copy));
        }

        /** Without {@code q} (when it is still the one queued for its variant); {@code null} when nothing is left. */
        Variants without(Queued q) {
            if (byVariant.get(q.object().variant()) != q) {
                return this;
            }
            LinkedHashMap<String, Queued> copy = new LinkedHashMap<>(byVariant);
            copy.remove(q.object().variant());
            return copy.isEmpty() ? null : new Variants(vary, Collections.unmodifiableMap(copy));
        }
    }

    private final Map<String, Variants> byKey = new ConcurrentHashMap<>();
    private final long maxBytes;
    private final AtomicLong bytes = new AtomicLong();
    private final LongAdder hits = new LongAdder();

    DiskQueue(long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxQueuedBytes must be >= 1, was " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /** Queues {@code object} (replacing a queued copy of its variant); {@code null} when it would pass the bound. */
    Queued add(CachedObject object, long ticket, DiskTier.Guard guard) {
        int length = object.length();
        if (bytes.addAndGet(length) > maxBytes) {
            bytes.addAndGet(-length);
            return null;
        }
        Queued q = new Queued(object, ticket, guard);
        byKey.compute(object.key(), (k, old) -> Variants.add(old, q));
        return q;
    }

    /** The write queued now for {@code object}'s variant ({@code null} when none: purged, or never queued). */
    Queued current(CachedObject object) {
        Variants now = byKey.get(object.key());
        return now == null ? null : now.byVariant().get(object.variant());
    }

    /** The queued variant of {@code key} matching the request; {@code null} when none is queued. */
    Queued find(String key, Fields requestHeaders) {
        if (byKey.isEmpty()) {
            return null;
        }
        Variants waiting = byKey.get(key);
        return waiting == null ? null : waiting.byVariant().get(Vary.variant(waiting.vary(), requestHeaders));
    }

    /** Takes {@code q} off the queue, when it is still its variant's (lookups no longer find it). */
    void remove(Queued q) {
        byKey.computeIfPresent(q.object().key(), (k, v) -> v.without(q));
    }

    /**
     * The writer is done with {@code q} (written, declined, or never run): off the queue, and its bytes released,
     * once per {@link #add}ed write (its body is referenced until then, whatever a purge took off the queue).
     */
    void finished(Queued q) {
        remove(q);
        bytes.addAndGet(-q.object().length());
    }

    /** Every queued write now (a snapshot). */
    List<Queued> all() {
        List<Queued> all = new ArrayList<>();
        byKey.values().forEach(v -> all.addAll(v.byVariant().values()));
        return all;
    }

    /** Counts a lookup answered from the queue. */
    void counted() {
        hits.increment();
    }

    long hits() {
        return hits.sum();
    }

    long bytes() {
        return bytes.get();
    }

    long maxBytes() {
        return maxBytes;
    }
}
