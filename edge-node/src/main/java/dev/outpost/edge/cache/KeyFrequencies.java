package dev.outpost.edge.cache;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How often each cache key was asked for lately: a count-min sketch (four rows of 8-bit counters, conservative
 * update), halved every {@code 10 × width} requests so old popularity fades, as Caffeine's TinyLFU sketch ages.
 * The memory tier's {@link SizeAwareAdmission} reads it; Caffeine keeps its own sketch internal, hence this one.
 * Fixed size, allocation-free, safe for concurrent use (counters are updated by compare-and-set; a halving that
 * runs beside increments may lose a few of them, which an estimate tolerates).
 */
final class KeyFrequencies {
    private static final int ROWS = 4;
    private static final long[] SEEDS = {0x97cb3127L, 0xc3a5c85c97cb3127L, 0xb492b66fbe98f273L, 0x9ae16a3b2f90404fL};
    private static final long HALF_MASK = 0x7f7f_7f7f_7f7f_7f7fL;

    private final AtomicLongArray counters;
    private final int widthBits;
    private final long sampleSize;
    private final AtomicLong samples = new AtomicLong();

    /** @param width counters per row, rounded up to a power of two (about the number of keys it should tell apart) */
    KeyFrequencies(int width) {
        if (width < 1 || width > 1 << 26) {
            throw new IllegalArgumentException("a frequency sketch's width must be 1..2^26, was " + width);
        }
        int rounded = Math.max(64, Integer.highestOneBit(width - 1) << 1);
        this.widthBits = Integer.numberOfTrailingZeros(rounded);
        this.counters = new AtomicLongArray(ROWS * rounded / 8);
        this.sampleSize = 10L * rounded;
    }

    /** Sized for a store of {@code maxBytes}: a counter per KiB, between 1 Ki and 4 Mi per row. */
    static KeyFrequencies forBytes(long maxBytes) {
        return new KeyFrequencies((int) Math.clamp(maxBytes / 1024, 1024, 1 << 22));
    }

    /** Counts one request for {@code key}. */
    void increment(String key) {
        long hash = key.hashCode();
        int min = Integer.MAX_VALUE;
        for (int row = 0; row < ROWS; row++) {
            min = Math.min(min, counter(slot(hash, row)));
        }
        if (min < 255) {
            for (int row = 0; row < ROWS; row++) {
                incrementIfAt(slot(hash, row), min); // conservative update: only the counters at the minimum
            }
        }
        if (samples.incrementAndGet() % sampleSize == 0) {
            halve();
        }
    }

    /** The estimated count of {@code key} (never below the truth, unless aged). */
    int frequency(String key) {
        long hash = key.hashCode();
        int min = Integer.MAX_VALUE;
        for (int row = 0; row < ROWS; row++) {
            min = Math.min(min, counter(slot(hash, row)));
        }
        return min;
    }

    /**
     * The key's counter in {@code row}: the key's hash and the row's seed through a full 64-bit mixer (SplitMix64's
     * finalizer), so the rows pick their counters independently. A plain multiply of {@code hash + seed} left them
     * correlated (two keys whose products' top bits were close collided in every row alike), which made the four rows
     * act like one: on the bench's Zipf stream the estimates of the objects at the cache's edge were off enough to
     * cost the memory tier 2 points of hit ratio (bench/analysis.md, issue 22).
     */
    private int slot(long hash, int row) {
        long z = hash + SEEDS[row];
        z = (z ^ (z >>> 30)) * 0xbf58_476d_1ce4_e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d0_49bb_1331_11ebL;
        long mixed = z ^ (z >>> 31);
        return (row << widthBits) + (int) (mixed >>> (64 - widthBits));
    }

    private int counter(int slot) {
        return (int) (counters.get(slot >>> 3) >>> ((slot & 7) << 3)) & 0xff;
    }

    private void incrementIfAt(int slot, int expected) {
        int shift = (slot & 7) << 3;
        long word;
        do {
            word = counters.get(slot >>> 3);
            if ((int) (word >>> shift & 0xff) != expected) {
                return;
            }
        } while (!counters.compareAndSet(slot >>> 3, word, word + (1L << shift)));
    }

    private void halve() {
        for (int i = 0; i < counters.length(); i++) {
            long word;
            do {
                word = counters.get(i);
            } while (!counters.compareAndSet(i, word, (word >>> 1) & HALF_MASK));
        }
    }
}
