package dev.outpost.edge.config;

import dev.outpost.common.http.ListenAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The whole configuration of one edge node, read from YAML by {@code ConfigFiles}. Absent keys take safe defaults;
 * every bad value fails here with a message naming its key.
 *
 * @param id           the edge's name, sent in {@code X-Served-By} and {@code Via}
 * @param region       the region it serves (reported in health)
 * @param listen       public listener, {@code host:port}
 * @param admin        admin listener and its bearer token; absent → no admin listener
 * @param services     delivery services: which Hosts this edge serves and where their origins are
 * @param cache        store size and caching defaults
 * @param origin       origin timeouts
 * @param collapsing   request-collapsing limits
 * @param controlPlane where and how to reach the control plane; absent → the edge works alone
 * @param limits       safe defaults against hostile clients and origins (docs/security.md, "Safe defaults")
 * @param tls          node certificate, HTTPS listener, mutual TLS with the control plane; absent → plain HTTP
 */
public record EdgeConfig(String id, String region, String listen, Optional<AdminConfig> admin,
        List<DeliveryService> services, CacheConfig cache, OriginTimeouts origin, CollapsingConfig collapsing,
        Optional<ControlPlaneLinkConfig> controlPlane, EdgeLimits limits, Optional<EdgeTls> tls) {

    public EdgeConfig {
        id = Defaults.or(id, "edge-1");
        if (id.isBlank() || !id.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("id must be letters, digits, '.', '_' or '-', was '" + id + "'");
        }
        region = Defaults.or(region, "default");
        listen = Defaults.or(listen, "127.0.0.1:8081");
        ListenAddress.parse(listen); // fails naming the value
        admin = Defaults.or(admin, Optional.empty());
        services = List.copyOf(Defaults.or(services, List.of()));
        if (services.isEmpty()) {
            throw new IllegalArgumentException("services must name at least one delivery service");
        }
        Set<String> hosts = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (DeliveryService service : services) {
            if (!names.add(service.name())) {
                throw new IllegalArgumentException("services: two services are named '" + service.name()
                        + "' (the name keys the service's cache entries)");
            }
            for (String host : service.hosts()) {
                if (!hosts.add(host.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("services: host '" + host + "' is served by two services");
                }
            }
        }
        cache = Defaults.or(cache, CacheConfig.DEFAULTS);
        origin = Defaults.or(origin, OriginTimeouts.DEFAULTS);
        collapsing = Defaults.or(collapsing, CollapsingConfig.DEFAULTS);
        controlPlane = Defaults.or(controlPlane, Optional.empty());
        limits = Defaults.or(limits, EdgeLimits.DEFAULTS);
        tls = Defaults.or(tls, Optional.empty());
        if (tls.flatMap(EdgeTls::controlPlaneUrl).isPresent() && controlPlane.isEmpty()) {
            throw new IllegalArgumentException("tls.controlPlaneUrl needs controlPlane (url and node token) too");
        }
    }

    /** A config without TLS. */
    public EdgeConfig(String id, String region, String listen, Optional<AdminConfig> admin,
            List<DeliveryService> services, CacheConfig cache, OriginTimeouts origin, CollapsingConfig collapsing,
            Optional<ControlPlaneLinkConfig> controlPlane, EdgeLimits limits) {
        this(id, region, listen, admin, services, cache, origin, collapsing, controlPlane, limits, null);
    }

    /** A config with the default {@link EdgeLimits}. */
    public EdgeConfig(String id, String region, String listen, Optional<AdminConfig> admin,
            List<DeliveryService> services, CacheConfig cache, OriginTimeouts origin, CollapsingConfig collapsing,
            Optional<ControlPlaneLinkConfig> controlPlane) {
        this(id, region, listen, admin, services, cache, origin, collapsing, controlPlane, null);
    }

    public EdgeConfig withLimits(EdgeLimits newLimits) {
        return new EdgeConfig(id, region, listen, admin, services, cache, origin, collapsing, controlPlane,
                newLimits, tls);
    }

    /** A config with one delivery service and defaults everywhere else. */
    public static EdgeConfig of(String id, String listen, DeliveryService service) {
        return new EdgeConfig(id, null, listen, null, List.of(service), null, null, null, null);
    }

    public ListenAddress listenAddress() {
        return ListenAddress.parse(listen);
    }

    public EdgeConfig withCache(CacheConfig newCache) {
        return new EdgeConfig(id, region, listen, admin, services, newCache, origin, collapsing, controlPlane,
                limits, tls);
    }

    public EdgeConfig withAdmin(AdminConfig newAdmin) {
        return new EdgeConfig(id, region, listen, Optional.of(newAdmin), services, cache, origin, collapsing,
                controlPlane, limits, tls);
    }

    public EdgeConfig withOrigin(OriginTimeouts newOrigin) {
        return new EdgeConfig(id, region, listen, admin, services, cache, newOrigin, collapsing, controlPlane,
                limits, tls);
    }

    public EdgeConfig withControlPlane(ControlPlaneLinkConfig link) {
        return new EdgeConfig(id, region, listen, admin, services, cache, origin, collapsing, Optional.of(link),
                limits, tls);
    }

    public EdgeConfig withTls(EdgeTls newTls) {
        return new EdgeConfig(id, region, listen, admin, services, cache, origin, collapsing, controlPlane, limits,
                Optional.of(newTls));
    }

    public EdgeConfig withId(String newId) {
        return new EdgeConfig(newId, region, listen, admin, services, cache, origin, collapsing, controlPlane,
                limits, tls);
    }

    public EdgeConfig withRegion(String newRegion) {
        return new EdgeConfig(id, newRegion, listen, admin, services, cache, origin, collapsing, controlPlane,
                limits, tls);
    }

    public EdgeConfig withListen(String newListen) {
        return new EdgeConfig(id, region, newListen, admin, services, cache, origin, collapsing, controlPlane,
                limits, tls);
    }

    public EdgeConfig withServices(List<DeliveryService> newServices) {
        return new EdgeConfig(id, region, listen, admin, newServices, cache, origin, collapsing, controlPlane,
                limits, tls);
    }

    public EdgeConfig withCollapsing(CollapsingConfig newCollapsing) {
        return new EdgeConfig(id, region, listen, admin, services, cache, origin, newCollapsing, controlPlane,
                limits, tls);
    }
}
