package dev.outpost.edge.origin;

import dev.outpost.edge.cache.CacheKeys;
import dev.outpost.edge.config.DeliveryService;
import java.net.URI;
import java.util.List;

/**
 * A delivery service as requests see it: its origins (primary first) and its cache-key normalizer.
 *
 * @param service the configured delivery service
 * @param keys    its cache-key normalizer
 */
public record Route(DeliveryService service, CacheKeys keys) {
    public static Route of(DeliveryService service) {
        return new Route(service, new CacheKeys(service.cacheKey()));
    }

    public List<URI> origins() {
        return service.origins();
    }

    public boolean cacheSetCookie() {
        return service.cacheSetCookie();
    }
}
