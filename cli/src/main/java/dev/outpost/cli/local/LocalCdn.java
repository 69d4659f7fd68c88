package dev.outpost.cli.local;

import dev.outpost.cli.local.Topology.EdgeSpec;
import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.json.Json;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.lifecycle.Closer;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.replica.SteeringReplica;
import dev.outpost.edge.EdgeNode;
import dev.outpost.origin.OriginNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;

/**
 * The whole CDN of a {@link Topology} in this process, on loopback: the control plane (sqlite under the work
 * directory), the origin (a copy of the demo site) behind its WAN relays, its replicas, and every edge on its own
 * address, registered with the control plane, and a steering instance per region on its address .53 (302 on the
 * control plane's port, DNS on the DNS port) following the control plane's state. Started in dependency order;
 * {@link #close()} stops them in reverse: steering instances, edges, replicas, relays, control plane, origin.
 *
 * <p>Which connections cross a simulated WAN link ({@link WanRelay}): an edge's fetches from the origin (an edge
 * outside the origin's region is given its region's relay as origin URL), and clients' direct fetches from the
 * origin's public address (one relay that picks the delay by the client's region), and each origin replica's copy
 * from the origin (it is given its region's relay as its primary's URL; its region's edges reach the replica itself
 * without a WAN link, and the origin through the relay as their backup). Control traffic between the
 * control plane and the edges (registration, heartbeats, purge and push calls) and clients' requests to edges and to
 * steering are not delayed: clients are meant to be next to their edge, and the control plane's timings stay those
 * of the nodes themselves.
 */
public final class LocalCdn implements AutoCloseable {
    /** Tokens of the local run; every listener is on loopback, and docs/deployment.md lists them. */
    public static final String OPS_TOKEN = "local-ops-token-change-me";
    public static final String NODE_TOKEN = "local-node-token-change-me";
    public static final String EDGE_ADMIN_TOKEN = "local-edge-admin-token-change-me";
    public static final String ORIGIN_TOKEN = "local-origin-token-change-me";
    /** What the regions' steering instances read the control plane's state with (scope steering only). */
    static final String STEERING_TOKEN = "local-steering-token-change-me";
    /** How long a steering instance's long poll of the control plane's state waits: a health change arrives at once. */
    static final Duration STEERING_POLL = Duration.ofSeconds(1);
    public static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /**
     * How long each node lets its requests in progress finish when the CDN stops: short, since a local CDN is stopped
     * by its own user (Ctrl-C), who waits for the prompt; deployed nodes take the default (limits.drainTimeout).
     */
    static final Duration DRAIN = Duration.ofSeconds(1);
    /** TTL of the DNS answers: a few heartbeat timeouts, so a stopped edge leaves the answers within seconds. */
    static final Duration DNS_TTL = Duration.ofSeconds(10);
    /** How long one part of {@link #close()} may take before it is reported as slow. */
    static final Duration SLOW_STEP = Duration.ofSeconds(2);
    /** How long {@link #close()} waits for all edges together; each bounds itself, this is the backstop. */
    static final Duration EDGES_CLOSE_PATIENCE = Duration.ofSeconds(20);
    /** How long start waits for each replica's first copy of the primary (the demo site copies in a second). */
    static final Duration REPLICA_PATIENCE = Duration.ofSeconds(30);

    /** Whether the CDN runs a shield tier: one shield in the origin's region, named by the site's service. */
    public enum Shield {
        /** A shield ({@link Topology#shield()}) the other edges fetch their misses from: the default. */
        IN_ORIGIN_REGION,
        /** Every edge fetches its misses from the origin itself ({@code outpost local --no-shield}). */
        OFF
    }

    private final Topology topology;
    private final Shield shield;
    private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, EdgeNode> edges = new LinkedHashMap<>();
    private final Map<String, OriginNode> replicas = new LinkedHashMap<>();
    private final Map<String, SteeringReplica> steering = new LinkedHashMap<>();
    private ControlPlane plane;
    private OriginNode origin;
    private String siteSource = "";
    private final List<WanRelay> relays = new ArrayList<>();
    /** What runs, stopped in reverse order of start by {@link #close()}. */
    private final Closer started = new Closer("outpost local");

    private final LocalConfigs configs;

    private LocalCdn(Topology topology, Shield shield) {
        this.topology = topology;
        this.shield = shield;
        this.configs = new LocalConfigs(topology, shield);
    }

    /**
     * Starts everything; on any failure stops what already runs and rethrows. {@code site} overrides the demo
     * site's source folder ({@link SampleSite}).
     */
    public static LocalCdn start(Topology topology, Path workDir, Optional<Path> site) {
        return start(topology, workDir, site, Shield.OFF);
    }

    /** Starts everything, with or without the shield tier. */
    public static LocalCdn start(Topology topology, Path workDir, Optional<Path> site, Shield shield) {
        checkAddressesFree(topology, shield);
        LocalCdn cdn = new LocalCdn(topology, shield);
        try {
            cdn.startAll(workDir, site);
        } catch (RuntimeException e) {
            throw cdn.started.closeAfter(e);
        }
        return cdn;
    }

    private void startAll(Path workDir, Optional<Path> site) {
        started.add("API client", () -> {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        });
        Path siteDir = workDir.resolve("origin-site");
        configs.logDir(workDir.resolve("logs").toAbsolutePath().normalize());
        configs.diskDir(workDir.resolve("edge-disk").toAbsolutePath().normalize());
        if (Files.isDirectory(siteDir)) {
            siteSource = siteDir + " (kept from an earlier run)";
        } else {
            siteSource = SampleSite.copyInto(site, siteDir);
        }
        ListenAddress originPublic = topology.originAddress();
        ListenAddress planeAddress = topology.controlPlaneAddress();
        URI planeUri = URI.create("http://" + planeAddress);

        // The origin's own listener is internal (any free port); its public address is a relay.
        origin = OriginNode.start(configs.origin("origin", siteDir, originPublic.host(), planeUri));
        started.add("origin", timed("origin", origin));
        InetSocketAddress originInternal = new InetSocketAddress(originPublic.host(), origin.port());

        plane = ControlPlane.start(configs.controlPlane(workDir.resolve("control-plane"), origin.baseUri()),
                Clock.systemUTC());
        started.add("control plane", timed("control plane", plane));

        String originRegion = topology.origin().region();
        started.add("WAN relays", timed("WAN relays", () -> {
            relays.forEach(WanRelay::close);
            relays.clear();
        }));
        relays.add(WanRelay.start("origin", new InetSocketAddress(originPublic.host(), originPublic.port()),
                originInternal, client -> topology.delay(topology.regionOf(client).orElse(originRegion),
                        originRegion)));
        Map<String, URI> originUriByRegion = new LinkedHashMap<>();
        for (Topology.Region region : topology.regions()) {
            if (region.name().equals(originRegion)) {
                originUriByRegion.put(region.name(), origin.baseUri()); // no WAN inside the origin's region
                continue;
            }
            String host = region.relayAddress();
            relays.add(WanRelay.start("origin link " + region.name() + "-" + originRegion,
                    new InetSocketAddress(host, originPublic.port()), originInternal,
                    topology.delay(region.name(), originRegion)));
            originUriByRegion.put(region.name(), URI.create("http://" + host + ":" + originPublic.port()));
        }

        // Each replica copies from the primary over its region's WAN link, as that region's edges would fetch.
        started.add("origin replicas", timed("origin replicas", () -> {
            replicas.values().forEach(OriginNode::close);
            replicas.clear();
        }));
        for (Topology.Replica replica : topology.origin().replicas()) {
            Path replicaDir = workDir.resolve("origin-replica-" + replica.region());
            replicas.put(replica.region(), OriginNode.start(configs.replica(replica, replicaDir,
                    originUriByRegion.get(replica.region()), planeUri)));
        }
        awaitReplicasReady(REPLICA_PATIENCE);

        // The site's service is defined through the control plane's API, as an operator would; each region's edges
        // fetch from its replica first if it has one, then the primary (over its WAN link outside its region).
        Map<String, List<URI>> regionOrigins = new LinkedHashMap<>();
        for (Topology.Region region : topology.regions()) {
            List<URI> origins = new ArrayList<>();
            topology.origin().replicaIn(region.name()).ifPresent(r -> origins.add(URI.create(r.url())));
            origins.add(originUriByRegion.get(region.name()));
            regionOrigins.put(region.name(), origins);
        }
        DeliveryService siteService = SiteService.definition(configs.servedHosts(), origin.baseUri(), regionOrigins);
        if (shield == Shield.IN_ORIGIN_REGION) {
            siteService = siteService.withShieldRegion(Optional.of(originRegion));
        }
        SiteService.define(http, planeUri, OPS_TOKEN, siteService);

        started.add("edges", timed("edges", this::closeEdges));
        if (shield == Shield.IN_ORIGIN_REGION) {
            // Started first: the edges learn it from their first heartbeat replies.
            EdgeSpec spec = topology.shield();
            edges.put(spec.id(), EdgeNode.start(configs.edge(spec, planeUri).withRole(NodeRegistration.Role.SHIELD)));
        }
        for (EdgeSpec spec : topology.edges()) {
            EdgeNode edge = EdgeNode.start(configs.edge(spec, planeUri));
            edges.put(spec.id(), edge);
        }

        // A steering instance per region, next to its clients, following the control plane's state.
        started.add("steering instances", timed("steering instances", () -> {
            steering.values().forEach(SteeringReplica::close);
            steering.clear();
        }));
        for (Topology.Region region : topology.regions()) {
            steering.put(region.name(), SteeringReplica.start(configs.steering(region, planeUri), Clock.systemUTC()));
        }
    }

    /** Waits until every replica has copied the primary once (before that it answers 503 to its edges). */
    private void awaitReplicasReady(Duration patience) {
        Instant deadline = Instant.now().plus(patience);
        for (Map.Entry<String, OriginNode> replica : replicas.entrySet()) {
            while (!replica.getValue().replication().following().map(f -> f.ready()).orElse(false)) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("the origin replica in " + replica.getKey() + " did not copy the "
                            + "primary within " + patience.toSeconds() + " s: " + replica.getValue().replication()
                            .following().flatMap(f -> f.problem()).orElse("no answer"));
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while the replicas copy the primary", e);
                }
            }
        }
    }

    /**
     * Binds each listen address once before anything starts, so a taken port is reported as one line naming the
     * node, before half the CDN runs.
     */
    static void checkAddressesFree(Topology topology) {
        checkAddressesFree(topology, Shield.OFF);
    }

    static void checkAddressesFree(Topology topology, Shield shield) {
        Map<String, String> listeners = new LinkedHashMap<>();
        if (shield == Shield.IN_ORIGIN_REGION) {
            EdgeSpec spec = topology.shield();
            listeners.put(spec.host() + ":" + spec.port(), "shield " + spec.id());
            listeners.put(spec.host() + ":" + spec.adminPort(), "shield " + spec.id() + " admin");
        }
        listeners.put(topology.controlPlane(), "control plane");
        listeners.put(topology.origin().listen(), "origin");
        for (Topology.Replica replica : topology.origin().replicas()) {
            listeners.put(replica.listen(), "origin replica " + replica.region());
        }
        for (EdgeSpec edge : topology.edges()) {
            listeners.put(edge.host() + ":" + edge.port(), "edge " + edge.id());
            listeners.put(edge.host() + ":" + edge.adminPort(), "edge " + edge.id() + " admin");
        }
        listeners.put(topology.dns().listen(), "DNS, TCP side");
        for (Topology.Region region : topology.regions()) {
            listeners.put(region.steeringAddress() + ":" + topology.controlPlaneAddress().port(),
                    "steering " + region.name());
            listeners.put(region.steeringAddress() + ":" + ListenAddress.parse(topology.dns().listen()).port(),
                    "steering " + region.name() + " DNS, TCP side");
        }
        for (Topology.Region region : topology.regions()) {
            if (!region.name().equals(topology.origin().region())) {
                listeners.put(region.relayAddress() + ":" + topology.originAddress().port(),
                        "WAN link " + region.name() + "-" + topology.origin().region());
            }
        }
        for (var listener : listeners.entrySet()) {
            ListenAddress address = ListenAddress.parse(listener.getKey());
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new InetSocketAddress(address.host(), address.port()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on " + address + " (" + listener.getValue() + "): "
                        + e.getMessage() + (e.getMessage() != null && e.getMessage().contains("assign")
                                ? " (the local topology needs all of 127.0.0.0/8 on loopback, as on Linux)"
                                : "; stop what uses it, or pick other addresses with --config"), e);
            }
        }
    }

    /** A node as the control plane sees it. */
    public record NodeState(String id, String kind, String region, String publicUrl, boolean healthy,
            boolean caughtUp) {
    }

    /** The control plane's registry, read through its API. */
    public List<NodeState> nodes() {
        Request request = new Request.Builder().url(apiUri() + "/api/v1/nodes")
                .header("Authorization", "Bearer " + OPS_TOKEN).build();
        try (Response response = http.newCall(request).execute()) {
            if (response.code() != 200) {
                throw new IOException("GET /api/v1/nodes answered " + response.code());
            }
            List<NodeState> nodes = new ArrayList<>();
            for (JsonNode node : Json.mapper().readTree(response.body().string()).get("nodes")) {
                nodes.add(new NodeState(node.get("id").asString(), node.get("kind").asString(),
                        node.get("region").asString(), node.path("publicUrl").asString(""),
                        node.get("healthy").asBoolean(), node.path("caughtUp").asBoolean(false)));
            }
            return nodes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the nodes from the control plane: " + e.getMessage(), e);
        }
    }

    /**
     * Waits until every edge of the topology is registered, healthy and caught up per the control plane; answers
     * their states, or throws naming the edges still missing after {@code patience}.
     */
    public List<NodeState> awaitEdgesReady(Duration patience) throws InterruptedException {
        Instant deadline = Instant.now().plus(patience);
        while (true) {
            List<NodeState> nodes = nodes();
            List<String> notReady = new ArrayList<>(edges.keySet());
            for (NodeState node : nodes) {
                if (node.healthy() && node.caughtUp()) {
                    notReady.remove(node.id());
                }
            }
            if (notReady.isEmpty() && shield == Shield.IN_ORIGIN_REGION) {
                // The tier is in place once every edge has the shield from a heartbeat reply.
                String shieldId = topology.shield().id();
                edges.forEach((id, edge) -> {
                    if (!id.equals(shieldId) && edge.shields().known().isEmpty()) {
                        notReady.add(id + " (knows no shield yet)");
                    }
                });
            }
            if (notReady.isEmpty()) {
                awaitSteeringCurrent(Duration.between(Instant.now(), deadline));
                return nodes;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("edges not registered and healthy after "
                        + patience.toSeconds() + " s: " + notReady);
            }
            Thread.sleep(100);
        }
    }

    /** Waits until every region's steering instance has fetched the control plane's state as it is now. */
    private void awaitSteeringCurrent(Duration patience) throws InterruptedException {
        for (Map.Entry<String, SteeringReplica> instance : steering.entrySet()) {
            if (!instance.getValue().awaitNextFetch(patience.isNegative() ? Duration.ZERO : patience)) {
                throw new IllegalStateException("the steering instance of " + instance.getKey() + " has no state from "
                        + "the control plane: " + instance.getValue().freshness().lastError().orElse("no answer"));
            }
        }
    }

    /** The steering instances, by region. */
    public Map<String, SteeringReplica> steering() {
        return Map.copyOf(steering);
    }

    public Topology topology() {
        return topology;
    }

    public URI apiUri() {
        return plane.apiUri();
    }

    /** The internal origin listener, behind the relays. */
    public URI originInternalUri() {
        return origin.baseUri();
    }

    /** The origin replicas, by region. */
    public Map<String, OriginNode> replicas() {
        return Map.copyOf(replicas);
    }

    /** Stops the replica in {@code region} (its edges then fetch from the primary, their next origin). */
    void stopReplica(String region) {
        OriginNode replica = replicas.remove(region);
        if (replica != null) {
            replica.close();
        }
    }

    public Map<String, EdgeNode> edges() {
        return Map.copyOf(edges);
    }

    /** Whether this CDN runs the shield tier. */
    public Shield shield() {
        return shield;
    }

    /** Where the origin's files came from. */
    public String siteSource() {
        return siteSource;
    }

    /**
     * Stops edges, origin replicas, the WAN relays, the control plane, then the origin (the reverse of their start);
     * safe to call twice. Bounded: the edges stop side by side (each listener lets its requests in progress finish
     * for up to {@link #DRAIN}, then waits up to {@link dev.outpost.common.http.NodeServer#SHUTDOWN_TIMEOUT} for
     * handlers still running, so one after another six edges could take half a minute), every part is stopped even when an earlier one failed, and a part that takes longer
     * than {@link #SLOW_STEP} is reported on stderr by name, so a slow shutdown says where it spent its time.
     */
    @Override
    public void close() {
        started.close();
    }

    /** {@code part}, reported on stderr when stopping it takes longer than {@link #SLOW_STEP}. */
    private static AutoCloseable timed(String part, AutoCloseable stop) {
        return () -> {
            long began = System.nanoTime();
            try {
                stop.close();
            } finally {
                Duration took = Duration.ofNanos(System.nanoTime() - began);
                if (took.compareTo(SLOW_STEP) > 0) {
                    System.err.println("outpost local: stopping the " + part + " took " + took.toMillis() + " ms");
                }
            }
        };
    }

    private void closeEdges() {
        List<Thread> closing = new ArrayList<>();
        List<RuntimeException> failures = Collections.synchronizedList(new ArrayList<>());
        for (Map.Entry<String, EdgeNode> edge : edges.entrySet()) {
            closing.add(Thread.ofVirtual().name("close-edge-" + edge.getKey()).start(() -> {
                try {
                    edge.getValue().close();
                } catch (RuntimeException e) {
                    failures.add(new IllegalStateException("stopping edge " + edge.getKey() + " failed", e));
                }
            }));
        }
        long deadline = System.nanoTime() + EDGES_CLOSE_PATIENCE.toNanos();
        List<String> stuck = new ArrayList<>();
        for (Thread thread : closing) {
            try {
                if (!thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                    stuck.add(thread.getName().substring("close-edge-".length()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stuck.add(thread.getName().substring("close-edge-".length()));
            }
        }
        edges.clear();
        if (!stuck.isEmpty()) {
            failures.add(new IllegalStateException("edges " + stuck + " did not stop within "
                    + EDGES_CLOSE_PATIENCE.toSeconds() + " s"));
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.getFirst();
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
    }

    /** Each node's access-log file, by node name. */
    public Map<String, Path> accessLogs() {
        return configs.accessLogs();
    }

    /** The directory of the access logs. */
    public Path logDir() {
        return configs.logDir();
    }
}
