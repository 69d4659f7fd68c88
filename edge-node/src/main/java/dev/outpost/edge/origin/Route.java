package dev.outpost.edge.origin;

import dev.outpost.edge.cache.CacheKeys;
import dev.outpost.edge.cache.Credentials;
import dev.outpost.edge.cache.Fields;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.service.RequestHeaderRules;
import dev.outpost.edge.signing.UrlSignatures;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * A delivery service as this edge's requests see it: its origins (primary first) and its cache-key normalizer.
 *
 * @param service the configured delivery service
 * @param keys    its cache-key normalizer
 * @param origins the origins this edge asks, in order: the service's list for the edge's region, if it names one
 */
public record Route(DeliveryService service, CacheKeys keys, List<URI> origins) {
    /** The route of an edge outside every region the service names origins for. */
    public static Route of(DeliveryService service) {
        return of(service, "");
    }

    /** The route of an edge in {@code region}. */
    public static Route of(DeliveryService service, String region) {
        // A signed service keeps its token out of the cache key and away from the origin.
        return new Route(service, new CacheKeys(service.name(), service.signing().isPresent()
                ? service.cacheKey().dropping(UrlSignatures.PARAMS) : service.cacheKey()),
                service.originsFor(region));
    }

    /** The service's URL signatures, when it uses signed URLs. */
    public Optional<UrlSignatures> signatures() {
        return service.signing().map(s -> new UrlSignatures(s.keys(), s.maxLifetime()));
    }

    public boolean cacheSetCookie() {
        return service.cacheSetCookie();
    }

    /** The cache key of an absolute URI when one of this service's hosts serves it. */
    public Optional<String> keyOf(URI uri) {
        if (uri.getHost() == null || !service.hosts().contains(DeliveryService.canonicalHost(uri.getHost()))) {
            return Optional.empty();
        }
        try {
            return Optional.of(keys.key(uri.getRawPath(), uri.getRawQuery()));
        } catch (RuntimeException malformed) {
            return Optional.empty();
        }
    }

    public RequestHeaderRules requestHeaders() {
        return service.requestHeaders();
    }

    /** What a request's Cookie / Authorization mean for the cache on this service. */
    public Credentials.Use credentials(Fields request) {
        return Credentials.of(request, service.requestHeaders(), service.shareCredentialed());
    }
}
