package dev.outpost.edge.config;

import dev.outpost.common.config.ConfigValues;
import java.time.Duration;

/**
 * The store's size and the caching defaults.
 *
 * @param maxBytes             bytes the store may hold (bodies + headers); default 256 MiB
 * @param maxObjectBytes       larger responses are streamed through, not stored; default 16 MiB
 * @param maxVariantsPerUrl    Vary variants kept per URL (oldest dropped); default 8
 * @param negativeTtl          how long 404/410 without explicit freshness are stored; default 10 s
 * @param staleIfError         default stale-if-error window when the origin gives none; default 5 min
 * @param staleWhileRevalidate default stale-while-revalidate window when the origin gives none; default 0
 * @param heuristicFraction    heuristic freshness as a fraction of the Last-Modified age; default 0.1
 * @param heuristicCap         cap on heuristic freshness; default 1 day
 * @param hitForPass           how long a URL that answered uncacheable skips collapsing; default 30 s
 * @param spool                where bodies the store does not keep wait for slow clients ({@link SpoolConfig})
 * @param disk                 the disk tier under the memory store ({@link DiskConfig}); off by default
 * @param backgroundFillMaxBytes a fill whose every client left goes on for the cache (and the requests that join it)
 *                             only while its object, by its Content-Length or else the bytes received so far, is at
 *                             most this size; past it the origin fetch is given up and nothing stored. A fill that
 *                             can no longer be stored is always given up then. Default: no limit beyond
 *                             {@code maxObjectBytes} (every storable fill finishes, as ATS's background fill); 0
 *                             stops a fill when its last client leaves (background refreshes and prefetches too)
 * @param slices               slice caching of objects too large to store whole ({@link SliceConfig})
 */
public record CacheConfig(Long maxBytes, Long maxObjectBytes, Integer maxVariantsPerUrl, Duration negativeTtl,
        Duration staleIfError, Duration staleWhileRevalidate, Double heuristicFraction, Duration heuristicCap,
        Duration hitForPass, SpoolConfig spool, DiskConfig disk, Long backgroundFillMaxBytes, SliceConfig slices) {
    public static final CacheConfig DEFAULTS = new CacheConfig(null, null, null, null, null, null, null, null, null,
            null, null, null, null);

    public CacheConfig(Long maxBytes, Long maxObjectBytes, Integer maxVariantsPerUrl, Duration negativeTtl,
            Duration staleIfError, Duration staleWhileRevalidate, Double heuristicFraction, Duration heuristicCap,
            Duration hitForPass, SpoolConfig spool) {
        this(maxBytes, maxObjectBytes, maxVariantsPerUrl, negativeTtl, staleIfError, staleWhileRevalidate,
                heuristicFraction, heuristicCap, hitForPass, spool, null, null, null);
    }

    public CacheConfig {
        maxBytes = ConfigValues.atLeast("cache.maxBytes", maxBytes, 256L * 1024 * 1024, 1);
        maxObjectBytes = ConfigValues.atLeast("cache.maxObjectBytes", maxObjectBytes,
                Math.min(16L * 1024 * 1024, maxBytes), 1);
        if (maxObjectBytes > maxBytes) {
            throw new IllegalArgumentException("cache.maxObjectBytes (" + maxObjectBytes
                    + ") must not exceed cache.maxBytes (" + maxBytes + ")");
        }
        if (maxObjectBytes > Integer.MAX_VALUE - 1024 * 1024) {
            throw new IllegalArgumentException("cache.maxObjectBytes must be < 2 GiB, was " + maxObjectBytes);
        }
        maxVariantsPerUrl = ConfigValues.atLeast("cache.maxVariantsPerUrl", maxVariantsPerUrl, 8, 1);
        negativeTtl = ConfigValues.notNegative("cache.negativeTtl", negativeTtl, Duration.ofSeconds(10));
        staleIfError = ConfigValues.notNegative("cache.staleIfError", staleIfError, Duration.ofMinutes(5));
        staleWhileRevalidate = ConfigValues.notNegative("cache.staleWhileRevalidate", staleWhileRevalidate,
                Duration.ZERO);
        heuristicFraction = ConfigValues.or(heuristicFraction, 0.1);
        if (!(heuristicFraction >= 0 && heuristicFraction <= 1)) {
            throw new IllegalArgumentException("cache.heuristicFraction must be in 0..1, was " + heuristicFraction);
        }
        heuristicCap = ConfigValues.notNegative("cache.heuristicCap", heuristicCap, Duration.ofDays(1));
        hitForPass = ConfigValues.notNegative("cache.hitForPass", hitForPass, Duration.ofSeconds(30));
        spool = ConfigValues.or(spool, SpoolConfig.DEFAULTS);
        disk = ConfigValues.or(disk, DiskConfig.OFF);
        backgroundFillMaxBytes = ConfigValues.atLeast("cache.backgroundFillMaxBytes", backgroundFillMaxBytes,
                Long.MAX_VALUE, 0);
        slices = ConfigValues.or(slices, SliceConfig.DEFAULTS).within(maxObjectBytes);
    }

    public static CacheConfig ofSize(long maxBytes, long maxObjectBytes) {
        return DEFAULTS.withSize(maxBytes, maxObjectBytes);
    }

    /** These settings with another store size (and largest stored object). */
    public CacheConfig withSize(long newMaxBytes, long newMaxObjectBytes) {
        return new CacheConfig(newMaxBytes, newMaxObjectBytes, maxVariantsPerUrl, negativeTtl, staleIfError,
                staleWhileRevalidate, heuristicFraction, heuristicCap, hitForPass, spool, disk, backgroundFillMaxBytes,
                slices.forgettingDefaults(maxObjectBytes));
    }

    /** These settings with another bound on fills nobody reads any more. */
    public CacheConfig withBackgroundFillMaxBytes(long bytes) {
        return new CacheConfig(maxBytes, maxObjectBytes, maxVariantsPerUrl, negativeTtl, staleIfError,
                staleWhileRevalidate, heuristicFraction, heuristicCap, hitForPass, spool, disk, bytes, slices);
    }

    /** These settings with other slice settings. */
    public CacheConfig withSlices(SliceConfig newSlices) {
        return new CacheConfig(maxBytes, maxObjectBytes, maxVariantsPerUrl, negativeTtl, staleIfError,
                staleWhileRevalidate, heuristicFraction, heuristicCap, hitForPass, spool, disk, backgroundFillMaxBytes,
                newSlices);
    }

    /** These settings with another disk tier. */
    public CacheConfig withDisk(DiskConfig newDisk) {
        return new CacheConfig(maxBytes, maxObjectBytes, maxVariantsPerUrl, negativeTtl, staleIfError,
                staleWhileRevalidate, heuristicFraction, heuristicCap, hitForPass, spool, newDisk, backgroundFillMaxBytes,
                slices);
    }
}
