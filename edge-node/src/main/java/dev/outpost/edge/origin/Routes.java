package dev.outpost.edge.origin;

import dev.outpost.common.service.DeliveryService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Host → delivery service; the only table that decides whom the edge fetches from (no open proxy). */
public final class Routes {
    private final Map<String, Route> byHost = new HashMap<>();
    private final List<DeliveryService> services;

    public Routes(List<DeliveryService> services) {
        this.services = List.copyOf(services);
        for (DeliveryService service : services) {
            Route route = Route.of(service);
            service.hosts().forEach(host -> byHost.put(host, route));
        }
    }

    /** The services, as configured. */
    public List<DeliveryService> services() {
        return services;
    }

    /** The route for a Host header value (any case, port already removed, a trailing dot allowed). */
    public Optional<Route> find(String host) {
        Route route = byHost.get(host);
        return route != null ? Optional.of(route)
                : Optional.ofNullable(byHost.get(DeliveryService.canonicalHost(host)));
    }
}
