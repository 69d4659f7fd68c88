package dev.outpost.edge.config;

import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.auth.FailedAuthLimits;
import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.http.accesslog.AccessLogSettings;
import dev.outpost.common.wire.NodeRegistration;
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
 * @param services     delivery services: which Hosts this edge serves and where their origins are; may be left
 *                     out with a {@code controlPlane}, whose configuration replaces them once it has one
 * @param cache        store size and caching defaults
 * @param origin       origin timeouts
 * @param collapsing   request-collapsing limits
 * @param controlPlane where and how to reach the control plane; absent → the edge works alone
 * @param limits       safe defaults against hostile clients and origins (docs/security.md, "Safe defaults")
 * @param tls          node certificate, HTTPS listener, mutual TLS with the control plane; absent → plain HTTP
 * @param accessLog    format, destination and file bounds of the access log (docs/logging.md); absent → JSON
 *                     lines on stdout
 * @param serverTiming send {@code Server-Timing} (cache outcome, origin and total time) on every answer; default
 *                     false, since it tells any client how long the edge and its origin took
 * @param role         {@code edge} (default) or {@code shield}: a shield is the L3 tier other edges fetch their
 *                     misses from for services naming its region in {@code shieldRegion}; it always fetches from
 *                     the origin itself (docs/caching-tiers.md, "Shield tier"). Sent in the registration
 */
public record EdgeConfig(String id, String region, String listen, Optional<AdminConfig> admin,
        List<DeliveryService> services, CacheConfig cache, OriginTimeouts origin, CollapsingConfig collapsing,
        Optional<ControlPlaneLinkConfig> controlPlane, EdgeLimits limits, Optional<EdgeTls> tls,
        AccessLogSettings accessLog, Boolean serverTiming, NodeRegistration.Role role) {

    public EdgeConfig {
        id = ConfigValues.or(id, "edge-1");
        if (id.isBlank() || !id.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("id must be letters, digits, '.', '_' or '-', was '" + id + "'");
        }
        region = ConfigValues.or(region, "default");
        listen = ConfigValues.or(listen, "127.0.0.1:8081");
        ListenAddress.parse(listen); // fails naming the value
        admin = ConfigValues.orEmpty(admin);
        services = ConfigValues.orEmpty(services);
        controlPlane = ConfigValues.orEmpty(controlPlane);
        if (services.isEmpty() && controlPlane.isEmpty()) {
            throw new IllegalArgumentException("services must name at least one delivery service (or set "
                    + "controlPlane, which hands them out)");
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
        cache = ConfigValues.or(cache, CacheConfig.DEFAULTS);
        origin = ConfigValues.or(origin, OriginTimeouts.DEFAULTS);
        collapsing = ConfigValues.or(collapsing, CollapsingConfig.DEFAULTS);
        limits = ConfigValues.or(limits, EdgeLimits.DEFAULTS);
        tls = ConfigValues.orEmpty(tls);
        accessLog = ConfigValues.or(accessLog, AccessLogSettings.DEFAULTS);
        serverTiming = ConfigValues.or(serverTiming, false);
        role = ConfigValues.or(role, NodeRegistration.Role.EDGE);
        if (tls.flatMap(EdgeTls::controlPlaneUrl).isPresent() && controlPlane.isEmpty()) {
            throw new IllegalArgumentException("tls.controlPlaneUrl (or tls.controlPlaneUrls) needs controlPlane "
                    + "(url or urls, and a node token) too");
        }
    }

    public EdgeConfig withLimits(EdgeLimits newLimits) {
        return new EdgeConfig(id, region, listen, admin, services, cache, origin, collapsing, controlPlane,
                newLimits, tls, accessLog, serverTiming, role);
    }

    /** A config with one delivery service and defaults everywhere else. */
    public static EdgeConfig of(String id, String listen, DeliveryService service) {
        return new EdgeConfig(id, null, listen, null, List.of(service), null, null, null, null, null, null, null,
                null, null);
    }

    /**
     * Fails naming a section (or key) that is present but can take no effect on this edge, so a config never says
     * more than the running node does (docs/deployment.md, "Config files"). {@code EdgeNode.start} calls it on the
     * final config, after command-line flags, since a flag may supply what a section needs.
     */
    public void requireEverySectionUsed() {
        tls.ifPresent(t -> {
            if (t.listen().isEmpty() && t.controlPlaneUrl().isEmpty()) {
                throw new IllegalArgumentException("tls: neither tls.listen (an HTTPS listener) nor "
                        + "tls.controlPlaneUrl (mutual TLS with the control plane) is set, so the node certificate "
                        + "would serve nothing; set one of them or remove the tls section");
            }
            if (t.joinToken().isPresent() && controlPlane.isEmpty()) {
                throw new IllegalArgumentException("tls.joinToken needs controlPlane (url and node token): the "
                        + "join is sent to controlPlane.url");
            }
        });
        if (admin.isEmpty()) {
            if (controlPlane.flatMap(ControlPlaneLinkConfig::adminUrl).isPresent()) {
                throw new IllegalArgumentException("controlPlane.adminUrl advertises an admin listener, but there "
                        + "is no admin section (admin.listen and admin.token)");
            }
            if (!limits.maxApiBodyBytes().equals(EdgeLimits.DEFAULTS.maxApiBodyBytes())) {
                throw new IllegalArgumentException("limits.maxApiBodyBytes bounds admin API bodies, but there is no "
                        + "admin section (admin.listen and admin.token)");
            }
            if (!limits.listener().failedAuth().equals(FailedAuthLimits.DEFAULTS)) {
                throw new IllegalArgumentException("limits.listener.failedAuth throttles the admin API, but there "
                        + "is no admin section (admin.listen and admin.token)");
            }
        }
    }

    public ListenAddress listenAddress() {
        return ListenAddress.parse(listen);
    }

    public EdgeConfig withCache(CacheConfig newCache) {
        return new EdgeConfig(id, region, listen, admin, services, newCache, origin, collapsing, controlPlane,
                limits, tls, accessLog, serverTiming, role);
    }

    public EdgeConfig withAdmin(AdminConfig newAdmin) {
        return new EdgeConfig(id, region, listen, Optional.of(newAdmin), services, cache, origin, collapsing,
                controlPlane, limits, tls, accessLog, serverTiming, role);
    }

    public EdgeConfig withOrigin(OriginTimeouts newOrigin) {
        return new EdgeConfig(id, region, listen, admin, services, cache, newOrigin, collapsing, controlPlane,
                limits, tls, accessLog, serverTiming, role);
    }

    public EdgeConfig withControlPlane(ControlPlaneLinkConfig link) {
        return new EdgeConfig(id, region, listen, admin, services, cache, origin, collapsing, Optional.of(link),
                limits, tls, accessLog, serverTiming, role);
    }

    public EdgeConfig withTls(EdgeTls newTls) {
        return new EdgeConfig(id, region, listen, admin, services, cache, origin, collapsing, controlPlane, limits,
                Optional.of(newTls), accessLog, serverTiming, role);
    }

    public EdgeConfig withId(String newId) {
        return new EdgeConfig(newId, region, listen, admin, services, cache, origin, collapsing, controlPlane,
                limits, tls, accessLog, serverTiming, role);
    }

    public EdgeConfig withRegion(String newRegion) {
        return new EdgeConfig(id, newRegion, listen, admin, services, cache, origin, collapsing, controlPlane,
                limits, tls, accessLog, serverTiming, role);
    }

    public EdgeConfig withListen(String newListen) {
        return new EdgeConfig(id, region, newListen, admin, services, cache, origin, collapsing, controlPlane,
                limits, tls, accessLog, serverTiming, role);
    }

    public EdgeConfig withServices(List<DeliveryService> newServices) {
        return new EdgeConfig(id, region, listen, admin, newServices, cache, origin, collapsing, controlPlane,
                limits, tls, accessLog, serverTiming, role);
    }

    public EdgeConfig withCollapsing(CollapsingConfig newCollapsing) {
        return new EdgeConfig(id, region, listen, admin, services, cache, origin, newCollapsing, controlPlane,
                limits, tls, accessLog, serverTiming, role);
    }

    public EdgeConfig withAccessLog(AccessLogSettings newAccessLog) {
        return new EdgeConfig(id, region, listen, admin, services, cache, origin, collapsing, controlPlane, limits,
                tls, newAccessLog, serverTiming, role);
    }

    public EdgeConfig withRole(NodeRegistration.Role newRole) {
        return new EdgeConfig(id, region, listen, admin, services, cache, origin, collapsing, controlPlane, limits,
                tls, accessLog, serverTiming, newRole);
    }

    /** Whether other edges fetch their misses from this one (it then fetches from the origin itself). */
    public boolean shield() {
        return role == NodeRegistration.Role.SHIELD;
    }

    public EdgeConfig withServerTiming(boolean on) {
        return new EdgeConfig(id, region, listen, admin, services, cache, origin, collapsing, controlPlane, limits,
                tls, accessLog, on, role);
    }
}
