package dev.outpost.edge.config;

import dev.outpost.common.config.ConfigValues;

/**
 * Slice caching of large objects (the {@code cache.slices} section; docs/caching-tiers.md#slices): objects over
 * {@code minObjectBytes}, or of unknown length, are fetched and stored as {@code sizeBytes} byte ranges, each its
 * own store entry.
 *
 * @param enabled        default true; false: large objects are streamed through and never stored, as before
 * @param sizeBytes      bytes per slice (the last one may be shorter); default 1 MiB (at most
 *                       {@code cache.maxObjectBytes}): a seek costs at most this much from the origin, and the
 *                       per-slice cost (one origin request, one entry of about 300 bytes of bookkeeping) stays under
 *                       0.1 % of the bytes
 * @param minObjectBytes objects up to this size are stored whole as before; larger ones are sliced; default
 *                       {@code cache.maxObjectBytes}, i.e. slicing takes over exactly where the whole-object path
 *                       stops storing (at least {@code sizeBytes})
 */
public record SliceConfig(Boolean enabled, Long sizeBytes, Long minObjectBytes) {
    public static final SliceConfig DEFAULTS = new SliceConfig(null, null, null);
    /** A floor against nonsense: slices this small cost more in requests and headers than they save. */
    static final long MIN_SIZE = 512;

    public SliceConfig {
        enabled = ConfigValues.or(enabled, true);
        if (sizeBytes != null && sizeBytes < MIN_SIZE) {
            throw new IllegalArgumentException("cache.slices.sizeBytes must be >= " + MIN_SIZE + ", was " + sizeBytes);
        }
        if (minObjectBytes != null && sizeBytes != null && minObjectBytes < sizeBytes) {
            throw new IllegalArgumentException("cache.slices.minObjectBytes (" + minObjectBytes
                    + ") must be at least cache.slices.sizeBytes (" + sizeBytes + ")");
        }
    }

    /**
     * These settings checked against the memory tier's object cap, with the defaults that depend on it filled in:
     * a slice must fit in the memory tier, and by default slicing starts where storing whole objects stops.
     */
    SliceConfig within(long maxObjectBytes) {
        long size = sizeBytes != null ? sizeBytes : Math.min(1024 * 1024L, maxObjectBytes);
        if (size < MIN_SIZE) { // only a default can be: a memory tier whose objects are this small slices nothing
            return new SliceConfig(false, MIN_SIZE, Math.max(MIN_SIZE, maxObjectBytes));
        }
        if (size > maxObjectBytes) {
            throw new IllegalArgumentException("cache.slices.sizeBytes (" + size
                    + ") must not exceed cache.maxObjectBytes (" + maxObjectBytes + "): a slice is stored whole");
        }
        long threshold = minObjectBytes != null ? minObjectBytes : Math.max(size, maxObjectBytes);
        if (threshold < size) {
            throw new IllegalArgumentException("cache.slices.minObjectBytes (" + threshold
                    + ") must be at least cache.slices.sizeBytes (" + size + ")");
        }
        return new SliceConfig(enabled, size, threshold);
    }

    /**
     * These settings with the values that were defaults for {@code maxObjectBytes} made absent again, so that a
     * store of another size ({@link CacheConfig#withSize}) fills in its own.
     */
    SliceConfig forgettingDefaults(long maxObjectBytes) {
        SliceConfig defaults = new SliceConfig(enabled, null, null).within(maxObjectBytes);
        return new SliceConfig(enabled, sizeBytes.equals(defaults.sizeBytes()) ? null : sizeBytes,
                minObjectBytes.equals(defaults.minObjectBytes()) ? null : minObjectBytes);
    }
}
