package dev.outpost.cli.local;

import dev.outpost.cli.local.Topology.EdgeSpec;
import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.http.ListenerLimits;
import dev.outpost.common.http.accesslog.AccessLogSettings;
import dev.outpost.common.json.Durations;
import dev.outpost.common.json.Json;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.replica.SteeringReplicaConfig;
import dev.outpost.edge.config.AdminConfig;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.edge.config.DiskConfig;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.origin.OriginConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The config of every node {@link LocalCdn} starts, from its {@link Topology}: origin and replicas, control plane,
 * edges and the regions' steering instances, each built as a config file would be and read through the same
 * validation ({@code ConfigFiles}), so a local run can hold nothing a file could not.
 */
final class LocalConfigs {
    private final Topology topology;
    private final LocalCdn.Shield shield;
    /** Each node's access-log file, by node name, in start order. */
    private final Map<String, Path> accessLogs = new LinkedHashMap<>();
    private Path logDir = Path.of("logs");
    private Optional<Path> diskDir = Optional.empty();
    /** Each local edge's disk tier: small, the sample site fits many times over. */
    static final long EDGE_DISK_BYTES = 256L * 1024 * 1024;

    LocalConfigs(Topology topology) {
        this(topology, LocalCdn.Shield.OFF);
    }

    /** {@code shield}: whether the shield runs too (its address is then one of the site's hosts). */
    LocalConfigs(Topology topology, LocalCdn.Shield shield) {
        this.topology = topology;
        this.shield = shield;
    }

    /** Where the nodes' access logs go: one file per node, so six edges are never interleaved. */
    void logDir(Path dir) {
        logDir = dir;
    }

    Path logDir() {
        return logDir;
    }

    /** Where each edge keeps its disk tier (one directory per edge), kept across runs of the same work dir. */
    void diskDir(Path dir) {
        diskDir = Optional.of(dir);
    }

    /** Each node's access-log file, by node name. */
    Map<String, Path> accessLogs() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(accessLogs));
    }

    /** Where node {@code name} writes its access log. */
    private Path accessLog(String name) {
        Path file = logDir.resolve(name + ".access.log");
        accessLogs.put(name, file);
        return file;
    }

    /** The config of the steering instance of {@code region}: on its address .53, the control plane's HTTP port and DNS port. */
    SteeringReplicaConfig steering(Topology.Region region, URI planeUri) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("listen", region.steeringAddress() + ":" + topology.controlPlaneAddress().port());
        config.put("controlPlanes", List.of(planeUri.toString()));
        config.put("token", LocalCdn.STEERING_TOKEN);
        config.put("pollInterval", Durations.format(LocalCdn.STEERING_POLL));
        config.put("tokens", List.of(Map.of("name", "ops", "token", LocalCdn.OPS_TOKEN, "scopes", List.of("read"))));
        config.put("trustedProxies", List.of("127.0.0.1/32"));
        config.put("limits", Map.of("drainTimeout", Durations.format(LocalCdn.DRAIN)));
        config.put("dns", dnsSettings(region.steeringAddress() + ":" + ListenAddress.parse(topology.dns().listen())
                .port()));
        String node = "steering-" + region.name();
        config.put("accessLog", Map.of("node", node, "destination", accessLog(node).toString()));
        return parse("local steering " + region.name() + ".json", config, SteeringReplicaConfig.class);
    }

    private Map<String, Object> dnsSettings(String listen) {
        return Map.of("listen", listen, "zone", topology.dns().zone(), "names", List.of(topology.dns().name()),
                "ttl", Durations.format(LocalCdn.DNS_TTL));
    }


    /**
     * A replica of the primary: same token, rules and change notices (its own notice after it applied a change
     * purges again what an edge may have fetched from it just before), copying from {@code primary}.
     */
    OriginConfig replica(Topology.Replica replica, Path data, URI primary, URI planeUri) {
        ListenAddress listen = ListenAddress.parse(replica.listen());
        return origin("origin-" + replica.region(), data, listen.host(), planeUri).withListen(replica.listen())
                .withReplication(OriginConfig.Replication.replicaOf(primary, Optional.of(replica.region())));
    }


    /** Every host name a client may use: each edge's address (what steering redirects to), and the loopback names. */
    List<String> servedHosts() {
        List<String> hosts = new ArrayList<>(topology.edges().stream().map(EdgeSpec::host).toList());
        if (shield == LocalCdn.Shield.IN_ORIGIN_REGION) {
            hosts.add(topology.shield().host());
        }
        hosts.add(topology.controlPlaneAddress().host());
        hosts.add("localhost");
        hosts.add(topology.dns().name());
        return hosts.stream().distinct().toList();
    }

    OriginConfig origin(String node, Path siteDir, String host, URI planeUri) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("accessLog", Map.of("node", node, "destination", accessLog(node).toString()));
        config.put("listen", host + ":0");
        config.put("data", siteDir.toString());
        config.put("apiToken", LocalCdn.ORIGIN_TOKEN);
        // the rules of deploy/origin.yml
        config.put("rules", List.of(
                Map.of("match", "/assets/**", "cacheControl", "public, max-age=31536000, immutable",
                        "tags", List.of("static")),
                Map.of("match", "**/*.html", "cacheControl",
                        "public, max-age=60, stale-while-revalidate=30, stale-if-error=86400", "tags", List.of("html")),
                Map.of("match", "/data/**", "cacheControl", "public, max-age=10", "tags", List.of("data"))));
        config.put("defaults", Map.of("cacheControl", "public, max-age=300"));
        config.put("limits", Map.of("drainTimeout", Durations.format(LocalCdn.DRAIN)));
        config.put("notifications", Map.of("url", planeUri + "/api/v1/origin-events?origin=primary",
                "token", LocalCdn.NODE_TOKEN));
        return parse("local origin.json", config, OriginConfig.class);
    }

    ControlPlaneConfig controlPlane(Path data, URI originInternal) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("listen", topology.controlPlane());
        config.put("data", data.toString());
        config.put("accessLog", Map.of("node", "control-plane", "destination", accessLog("control-plane").toString()));
        config.put("tokens", List.of(
                Map.of("name", "ops", "token", LocalCdn.OPS_TOKEN, "scopes", List.of("read", "purge", "push", "admin", "config")),
                Map.of("name", "nodes", "token", LocalCdn.NODE_TOKEN, "scopes", List.of("node")),
                Map.of("name", "steering", "token", LocalCdn.STEERING_TOKEN, "scopes", List.of("steering"))));
        config.put("edgeToken", LocalCdn.EDGE_ADMIN_TOKEN);
        config.put("heartbeat", Map.of("interval", Durations.format(LocalCdn.HEARTBEAT),
                "timeout", Durations.format(LocalCdn.HEARTBEAT.multipliedBy(5))));
        config.put("regions", topology.regions().stream()
                .map(r -> Map.of("name", r.name(), "cidrs", List.of(r.clients()))).toList());
        config.put("defaultRegion", topology.origin().region());
        Map<String, Map<String, String>> latency = new LinkedHashMap<>();
        for (var delay : topology.delays().entrySet()) {
            String[] pair = delay.getKey().split("-");
            latency.computeIfAbsent(pair[0], k -> new LinkedHashMap<>()).put(pair[1],
                    Durations.format(delay.getValue()));
        }
        config.put("latency", latency);
        config.put("trustedProxies", List.of("127.0.0.1/32"));
        config.put("limits", Map.of("drainTimeout", Durations.format(LocalCdn.DRAIN)));
        // DNS steering: the CDN name answered with the nearest healthy edge of the asking client's network; a
        // short TTL so a stopped edge leaves the answers within seconds
        config.put("dns", dnsSettings(topology.dns().listen()));
        config.put("origins", List.of(Map.of("id", "primary", "hosts", servedHosts(),
                "url", originInternal.toString(), "token", LocalCdn.ORIGIN_TOKEN)));
        return parse("local control plane.json", config, ControlPlaneConfig.class);
    }

    /**
     * An edge of the site, without services of its own: it runs the site's service the control plane hands it at
     * registration ({@link SiteService}).
     */
    EdgeConfig edge(EdgeSpec spec, URI planeUri) {
        URI admin = URI.create("http://" + spec.host() + ":" + spec.adminPort());
        ControlPlaneLinkConfig link = ControlPlaneLinkConfig.of(planeUri, LocalCdn.NODE_TOKEN)
                .withTimings(LocalCdn.HEARTBEAT, Duration.ofSeconds(5))
                .withAdvertised(Optional.of(URI.create(spec.url())), Optional.of(admin));
        EdgeConfig edge = new EdgeConfig(spec.id(), spec.region(), spec.host() + ":" + spec.port(), null, List.of(),
                null, null, null, Optional.of(link), null, null, null, null, null)
                .withAdmin(new AdminConfig(spec.host() + ":" + spec.adminPort(), LocalCdn.EDGE_ADMIN_TOKEN))
                .withAccessLog(AccessLogSettings.DEFAULTS.withDestination(accessLog(spec.id()).toString()));
        edge = edge.withLimits(edge.limits().withListener(new ListenerLimits(null, null, null, null, null, null,
                LocalCdn.DRAIN)));
        if (diskDir.isPresent()) {
            edge = edge.withCache(edge.cache().withDisk(DiskConfig.OFF.at(diskDir.get().resolve(spec.id()),
                    EDGE_DISK_BYTES)));
        }
        return edge;
    }

    private static <T> T parse(String source, Map<String, Object> config, Class<T> type) {
        byte[] json = Json.mapper().writeValueAsString(config).getBytes(StandardCharsets.UTF_8);
        return ConfigFiles.parse(source, json, type);
    }
}
