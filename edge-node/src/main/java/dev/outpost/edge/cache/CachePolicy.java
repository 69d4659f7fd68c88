package dev.outpost.edge.cache;

import dev.outpost.edge.config.CacheConfig;
import java.time.Duration;

/**
 * The caching defaults the pure rules need, taken from {@link CacheConfig}.
 *
 * @param negativeTtl          freshness of 404/410 that carry none of their own
 * @param staleIfError         default stale-if-error window
 * @param staleWhileRevalidate default stale-while-revalidate window
 * @param heuristicFraction    heuristic freshness as a fraction of (Date - Last-Modified)
 * @param heuristicCap         upper bound of heuristic freshness
 * @param maxObjectBytes       larger bodies are never stored
 */
public record CachePolicy(Duration negativeTtl, Duration staleIfError, Duration staleWhileRevalidate,
        double heuristicFraction, Duration heuristicCap, long maxObjectBytes) {

    public static CachePolicy from(CacheConfig c) {
        return new CachePolicy(c.negativeTtl(), c.staleIfError(), c.staleWhileRevalidate(), c.heuristicFraction(),
                c.heuristicCap(), c.maxObjectBytes());
    }
}
