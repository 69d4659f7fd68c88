package dev.outpost.edge.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * What slice caching did since start (docs/caching-tiers.md#slices), counted where it happens and exported by
 * {@link EdgeMetrics} as {@code edge_slice_*_total}.
 *
 * @param hits      slices served from the store (memory or disk)
 * @param fetches   slice requests sent upstream (slice 0 of a head included)
 * @param collapsed requests that waited for a slice another request was fetching instead of fetching it again
 * @param changed   objects found changed under their head mid-response (their slices dropped)
 * @param fallbacks sliced misses served the ordinary way (the upstream ignored Range, or had no validator)
 */
public record SliceCounts(LongAdder hits, LongAdder fetches, LongAdder collapsed, LongAdder changed,
        LongAdder fallbacks) {
    public SliceCounts() {
        this(new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder());
    }
}
