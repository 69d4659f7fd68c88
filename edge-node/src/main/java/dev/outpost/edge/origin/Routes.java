package dev.outpost.edge.origin;

import dev.outpost.common.service.DeliveryService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Host → delivery service; the only table that decides whom the edge fetches from (no open proxy). Immutable: one
 * configuration as a whole, which the edge's service directory swaps for the next one at once, so a request that
 * looked its route up keeps the configuration it started with.
 */
public final class Routes {
    /** Where a configuration came from. */
    public enum Source {
        /** The edge's own YAML {@code services}. */
        FILE("file"),
        /** The control plane's configuration (or the edge's cached copy of it). */
        CONTROL_PLANE("control-plane");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private final Map<String, Route> byHost = new HashMap<>();
    private final List<DeliveryService> services;
    private final Source source;
    private final long version;
    private final String region;

    /** The services of an edge's own file (version 0: no control-plane configuration), for no region. */
    public Routes(List<DeliveryService> services) {
        this(services, Source.FILE, 0, "");
    }

    public Routes(List<DeliveryService> services, Source source, long version) {
        this(services, source, version, "");
    }

    /**
     * @throws IllegalArgumentException when two services share a name or a host, or a service's rules cannot be
     *                                  built; the message names the service
     */
    public Routes(List<DeliveryService> services, Source source, long version, String region) {
        this.services = List.copyOf(services);
        this.region = region;
        this.source = source;
        this.version = version;
        java.util.Set<String> names = new java.util.HashSet<>();
        for (DeliveryService service : services) {
            if (!names.add(service.name())) {
                throw new IllegalArgumentException("two services are named '" + service.name() + "'");
            }
            Route route = Route.of(service, region);
            for (String host : service.hosts()) {
                Route other = byHost.put(host, route);
                if (other != null) {
                    throw new IllegalArgumentException("host '" + host + "' of service '" + service.name()
                            + "' is served by service '" + other.service().name() + "' already");
                }
            }
        }
    }

    /** The services, as configured. */
    public List<DeliveryService> services() {
        return services;
    }

    public Source source() {
        return source;
    }

    /** The control plane's configuration version; 0 for the edge's own file. */
    public long version() {
        return version;
    }

    /** The region whose origins the routes use ({@code DeliveryService.regionOrigins}). */
    public String region() {
        return region;
    }

    /** Every origin this edge may ask for its services. */
    public List<java.net.URI> origins() {
        return byHost.values().stream().flatMap(r -> r.origins().stream()).distinct().toList();
    }

    /** The route for a Host header value (any case, port already removed, a trailing dot allowed). */
    public Optional<Route> find(String host) {
        Route route = byHost.get(host);
        return route != null ? Optional.of(route)
                : Optional.ofNullable(byHost.get(DeliveryService.canonicalHost(host)));
    }
}
