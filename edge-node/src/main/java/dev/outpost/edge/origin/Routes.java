package dev.outpost.edge.origin;

import dev.outpost.edge.cache.CacheKeys;
import dev.outpost.edge.config.CacheKeyRules;
import dev.outpost.edge.config.DeliveryService;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Host → delivery service; the only table that decides whom the edge fetches from (no open proxy). */
public final class Routes {
    private static final CacheKeys DEFAULT_KEYS = new CacheKeys(CacheKeyRules.DEFAULTS);

    private final Map<String, Route> byHost = new HashMap<>();

    public Routes(List<DeliveryService> services) {
        for (DeliveryService service : services) {
            Route route = Route.of(service);
            service.hosts().forEach(host -> byHost.put(host, route));
        }
    }

    /** The route for a Host header value (any case, port already removed). */
    public Optional<Route> find(String host) {
        return Optional.ofNullable(byHost.get(host.toLowerCase(Locale.ROOT)));
    }

    /** The key normalizer for a host: its service's rules, or the defaults for hosts not served here. */
    public CacheKeys keysFor(String host) {
        return find(host).map(Route::keys).orElse(DEFAULT_KEYS);
    }
}
