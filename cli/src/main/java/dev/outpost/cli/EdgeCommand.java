package dev.outpost.cli;

import dev.outpost.common.config.ConfigException;
import dev.outpost.common.config.ConfigFiles;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.AdminConfig;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.DiskConfig;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import dev.outpost.common.wire.NodeRegistration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code outpost edge}: starts an edge node from a config file and/or flags and runs until Ctrl-C. Flags override
 * the file; {@code --origin} with {@code --host} replaces the file's delivery services with one.
 */
@Command(name = "edge", mixinStandardHelpOptions = true,
        description = "Run an edge node (caching reverse proxy) in front of one or more origins.")
public final class EdgeCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "edge config (YAML or JSON)")
    Path config;

    @Option(names = "--id", description = "edge id, sent in X-Served-By and Via")
    String id;

    @Option(names = "--region", description = "region this edge serves")
    String region;

    @Option(names = "--role", paramLabel = "ROLE",
            description = "edge (default) or shield: the edge other edges fetch their misses from (docs/caching-tiers.md)")
    String role;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "public listener (default 127.0.0.1:8081)")
    String listen;

    @Option(names = "--origin", paramLabel = "URL",
            description = "origin base URL; repeat for backups, tried in order (needs --host)")
    List<URI> origins;

    @Option(names = "--host", description = "Host header value served by the --origin service; repeatable")
    List<String> hosts;

    @Option(names = "--max-bytes", description = "store size in bytes (default 256 MiB)")
    Long maxBytes;

    @Option(names = "--disk-dir", paramLabel = "DIR",
            description = "keep a disk tier under the memory store in DIR (survives restarts; off by default)")
    Path diskDir;

    @Option(names = "--disk-max-bytes", paramLabel = "N", description = "disk tier size in bytes (default 10 GiB)")
    Long diskMaxBytes;

    @Option(names = "--admin-listen", paramLabel = "HOST:PORT", description = "admin listener (needs --admin-token)")
    String adminListen;

    @Option(names = "--admin-token", description = "bearer token for the admin API (at least 16 characters)")
    String adminToken;

    @Option(names = "--control-plane", paramLabel = "URL", split = ",",
            description = "control-plane API to register and heartbeat with (needs --control-plane-token); several, "
                    + "comma-separated, fail over in order (replaces controlPlane.url/urls of the file)")
    List<URI> controlPlane;

    @Option(names = "--control-plane-token", paramLabel = "TOKEN",
            description = "control-plane token with scope node")
    String controlPlaneToken;

    @Override
    public Integer call() throws InterruptedException {
        EdgeConfig edgeConfig;
        try {
            edgeConfig = buildConfig();
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("outpost edge: " + e.getMessage());
            return 2;
        }
        EdgeNode node;
        try {
            node = EdgeNode.start(edgeConfig);
        } catch (RuntimeException e) { // e.g. the listen address is taken
            System.err.println("outpost edge: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "edge-shutdown"));
        // With a control plane the services may come from it (registration's snapshot): say what runs now.
        System.out.println("edge " + edgeConfig.id() + " (" + edgeConfig.region() + ") serving "
                + node.services().current().services().stream().flatMap(s -> s.hosts().stream()).toList() + " ("
                + dev.outpost.edge.service.ServiceDirectory.describe(node.services().current()) + ") on "
                + node.baseUri()
                + node.adminUri().map(u -> ", admin on " + u).orElse("")
                + edgeConfig.controlPlane().map(l -> ", control plane " + String.join(", ",
                        l.urls().stream().map(URI::toString).toList())).orElse(""));
        stopped.await();
        return 0;
    }

    /**
     * The file's config (every section of it) with the flags applied on top; without a file, the flags' one
     * service and defaults. Overrides go through {@code EdgeConfig.with*}, so no section of the file can be lost.
     */
    EdgeConfig buildConfig() {
        Optional<EdgeConfig> file = Optional.ofNullable(config).map(c -> ConfigFiles.load(c, EdgeConfig.class));
        EdgeConfig result;
        if (origins != null && !origins.isEmpty()) {
            if (hosts == null || hosts.isEmpty()) {
                throw new IllegalArgumentException("--origin needs at least one --host to serve");
            }
            List<DeliveryService> services = List.of(DeliveryService.of("default", hosts, origins));
            result = file.map(f -> f.withServices(services))
                    .orElseGet(() -> new EdgeConfig(null, null, null, null, services, null, null, null, null, null,
                            null, null, null, null));
        } else if (hosts != null && !hosts.isEmpty()) {
            throw new IllegalArgumentException("--host needs --origin URL (the service's origins)");
        } else {
            result = file.orElseThrow(() -> new IllegalArgumentException(
                    "give --config FILE, or --origin URL with --host NAME"));
        }
        if (id != null) {
            result = result.withId(id);
        }
        if (region != null) {
            result = result.withRegion(region);
        }
        if (role != null) {
            result = result.withRole(switch (role) {
                case "edge" -> NodeRegistration.Role.EDGE;
                case "shield" -> NodeRegistration.Role.SHIELD;
                default -> throw new IllegalArgumentException("--role must be edge or shield, was '" + role + "'");
            });
        }
        if (listen != null) {
            result = result.withListen(listen);
        }
        if (maxBytes != null) {
            CacheConfig cache = result.cache();
            result = result.withCache(cache.withSize(maxBytes, Math.min(cache.maxObjectBytes(), maxBytes)));
        }
        if (diskDir != null || diskMaxBytes != null) {
            DiskConfig disk = result.cache().disk();
            Path where = diskDir != null ? diskDir : disk.directory().orElseThrow(
                    () -> new IllegalArgumentException("--disk-max-bytes needs --disk-dir DIR (or cache.disk.dir)"));
            result = result.withCache(result.cache().withDisk(disk.at(where,
                    diskMaxBytes != null ? diskMaxBytes : disk.maxBytes())));
        }
        if (adminListen != null || adminToken != null) {
            Optional<AdminConfig> admin = result.admin();
            result = result.withAdmin(new AdminConfig(
                    adminListen != null ? adminListen : admin.map(AdminConfig::listen).orElse(null),
                    adminToken != null ? adminToken : admin.map(AdminConfig::token).orElse(null)));
        }
        if (controlPlane != null || controlPlaneToken != null) {
            Optional<ControlPlaneLinkConfig> link = result.controlPlane();
            List<URI> urls = controlPlane != null
                    ? dev.outpost.common.controlplane.ControlPlanes.requireDistinct("--control-plane", controlPlane)
                    : link.map(ControlPlaneLinkConfig::urls).orElseThrow(
                            () -> new IllegalArgumentException("--control-plane-token needs --control-plane URL"));
            String token = controlPlaneToken != null ? controlPlaneToken : link.map(ControlPlaneLinkConfig::token)
                    .orElseThrow(() -> new IllegalArgumentException("--control-plane needs --control-plane-token"));
            result = result.withControlPlane(link.map(l -> l.withUrlsAndToken(urls, token))
                    .orElseGet(() -> ControlPlaneLinkConfig.of(urls, token)));
        }
        return result;
    }
}
