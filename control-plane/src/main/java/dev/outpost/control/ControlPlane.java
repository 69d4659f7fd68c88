package dev.outpost.control;

import dev.outpost.common.http.NodeServer;
import dev.outpost.common.http.RefusedBodies;
import dev.outpost.common.http.RouteTable;
import dev.outpost.common.http.ServerLimits;
import dev.outpost.common.http.accesslog.AccessLog;
import dev.outpost.common.lifecycle.Closer;
import dev.outpost.control.assets.OriginWriter;
import dev.outpost.control.cluster.ChangeFeed;
import dev.outpost.control.cluster.Instances;
import dev.outpost.control.dns.DnsServer;
import dev.outpost.control.http.Handlers;
import dev.outpost.control.invalidation.Dispatcher;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.Maintenance;
import dev.outpost.control.metrics.ControlPlaneMetrics;
import dev.outpost.control.registry.NodeStore;
import dev.outpost.control.registry.Registry;
import dev.outpost.control.services.ServiceChanges;
import dev.outpost.control.services.ServiceStore;
import dev.outpost.control.stats.TrafficStats;
import dev.outpost.control.steering.Cidr;
import dev.outpost.control.steering.ClientAddress;
import dev.outpost.control.steering.LatencyMatrix;
import dev.outpost.control.steering.LiveSteering;
import dev.outpost.control.steering.SteeringState;
import dev.outpost.control.steering.Policies;
import dev.outpost.control.steering.RegionTable;
import dev.outpost.control.steering.RegisteredEdges;
import dev.outpost.control.steering.Steering;
import dev.outpost.control.store.Store;
import dev.outpost.control.tls.ControlPlaneIdentity;
import dev.outpost.control.tls.JoinTokens;
import dev.outpost.control.tls.NodeIssuer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;

/**
 * A running control plane: the invalidation log in the data directory, the registry, the dispatcher pushing
 * entries to edges, steering, the API listener, the optional steering listener and the optional DNS server. Built by hand here, in order;
 * closing stops listeners first, then pushes, then the log.
 */
public final class ControlPlane implements AutoCloseable {
    /** Idle keep-alive connections kept to edges and origins (one per dispatcher lane at most is ever idle). */
    private static final int IDLE_CONNECTIONS_TO_NODES = 1024;
    /** Everything started, closed in reverse order: listeners, dispatcher, client, CA, stores, the lock. */
    private final Closer parts;
    private final NodeServer api;
    private final Optional<NodeServer> steeringServer;
    private final Optional<NodeServer> nodeServer;
    private final Optional<DnsServer> dnsServer;
    private final Registry registry;
    private final InvalidationLog log;
    private final ControlPlaneConfig config;
    private final List<RouteTable.Endpoint> apiEndpoints;
    private final Optional<Instances> instances;
    private final AtomicBoolean stopping = new AtomicBoolean();

    private ControlPlane(Closer parts, NodeServer api, Optional<NodeServer> steeringServer,
            Optional<NodeServer> nodeServer, Optional<DnsServer> dnsServer, Registry registry, InvalidationLog log,
            ControlPlaneConfig config, List<RouteTable.Endpoint> apiEndpoints, Optional<Instances> instances) {
        this.parts = parts;
        this.instances = instances;
        this.dnsServer = dnsServer;
        this.apiEndpoints = apiEndpoints;
        this.config = config;
        this.nodeServer = nodeServer;
        this.api = api;
        this.steeringServer = steeringServer;
        this.registry = registry;
        this.log = log;
    }

    public static ControlPlane start(ControlPlaneConfig config, Clock clock) {
        return start(config, clock, config.limits().serverLimits());
    }

    public static ControlPlane start(ControlPlaneConfig config, Clock clock, ServerLimits limits) {
        config.requireEverySectionUsed();
        Closer parts = new Closer("control plane " + config.listen());
        try {
            ControlPlaneMetrics metrics = parts.add(new ControlPlaneMetrics());
            // Before anything touches the store: a second control plane on this directory stops here.
            parts.add("data directory lock", DataDirectoryLock.acquire(Path.of(config.data())));
            // One database for all state (docs/store.md), migrated when it opens; closed after everything using it.
            if (config.store().engine().equals(StoreSettings.SQLITE)) {
                // SQLite serves one control plane, even when two data directories name the same file
                parts.add("SQLite store lock", DataDirectoryLock.acquireSqlite(
                        config.store().sqliteFile(Path.of(config.data()))));
            }
            Store store = Store.open(config.store(), Path.of(config.data()));
            parts.add("store", store);
            // Several control planes on one PostgreSQL database: each edge is pushed to by one live instance
            Optional<Instances> instances = store.shared()
                    ? Optional.of(Instances.join(store, config.listen(), config.store().instanceLease()))
                    : Optional.empty();
            InvalidationLog log = InvalidationLog.open(store, clock, config.log(), metrics);
            parts.add(log);
            NodeStore nodeStore = NodeStore.in(store);
            parts.add(nodeStore);
            // the service tables share the log's store: a version and its config entry commit together
            ServiceStore services = ServiceStore.open(log);
            Registry registry = new Registry(clock, config.heartbeat(), log, nodeStore, services);
            TrafficStats traffic = TrafficStats.in(store, clock, config.stats()).start();
            parts.add("traffic statistics", traffic); // closed after the listeners: its last write loses nothing
            metrics.watch(traffic);
            Optional<ControlPlaneIdentity> identity = config.tls()
                    .map(tls -> ControlPlaneIdentity.start(Path.of(config.data()), tls, clock));
            identity.ifPresent(i -> parts.add("CA", i));
            Optional<NodeIssuer> issuer = Optional.empty();
            if (identity.isPresent()) {
                JoinTokens joinTokens = JoinTokens.in(store);
                parts.add(joinTokens);
                issuer = Optional.of(new NodeIssuer(identity.get().ca(), joinTokens, config.tls().get(), clock));
            }
            OkHttpClient.Builder httpBuilder = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(2))
                    .readTimeout(Duration.ofSeconds(60)).followRedirects(false).retryOnConnectionFailure(false)
                    // OkHttp's default pool keeps 5 idle connections: with six or more edges every purge closed one
                    // edge's connection and opened it again (a TCP connect per purge, measured by bench
                    // SixEdgePurge). Each dispatcher lane holds at most one connection to its edge, so the idle
                    // count is bounded by the registry's size anyway; the pool only stops closing them.
                    .connectionPool(new ConnectionPool(IDLE_CONNECTIONS_TO_NODES, 5, TimeUnit.MINUTES));
            // https:// admin URLs of edges get mutual TLS; http:// ones stay plain.
            identity.map(ControlPlaneIdentity::client).ifPresent(tls -> httpBuilder
                    .sslSocketFactory(tls.context().getSocketFactory(), tls.trustManager()));
            OkHttpClient http = httpBuilder.build();
            parts.add("HTTP client", () -> {
                http.dispatcher().executorService().shutdown();
                http.connectionPool().evictAll();
            });
            Dispatcher dispatcher = new Dispatcher(log, registry, http, config.edgeToken(), config.delivery(),
                    metrics, instances.<Dispatcher.Ownership>map(i -> i).orElse(Dispatcher.Ownership.ALL));
            parts.add(dispatcher);
            dispatcher.recoverAfterRestart();
            // closed before the dispatcher: nothing learned is handed to lanes that are shutting down
            instances.ifPresent(i -> parts.add("change feed",
                    ChangeFeed.start(store, i, registry, dispatcher)));
            parts.add("log maintenance", new Maintenance(log, registry, config.delivery()).start());
            RegionTable regions = config.geoipCsv()
                    .map(csv -> RegionTable.withGeoIp(config.regions(), config.defaultRegion(), Path.of(csv)))
                    .orElseGet(() -> new RegionTable(config.regions(), config.defaultRegion()));
            Steering steering = new Steering(regions,
                    new LatencyMatrix(config.latency()), config.regionNames(),
                    new ClientAddress(config.trustedProxies().stream().map(Cidr::parse).toList()),
                    new Policies(config.balancing()));
            LiveSteering live = new LiveSteering(steering, new SteeringState.Rules(
                    regions.resolved(config.regionNames()), regions.defaultRegion(), config.latency(),
                    config.balancing()), new RegisteredEdges(registry), clock);
            OriginWriter originWriter = new OriginWriter(http);
            ServiceChanges serviceChanges = new ServiceChanges(services, dispatcher, clock);
            Handlers.ApiPipelines pipelines = Handlers.api(config, clock, log, dispatcher, serviceChanges, registry, live,
                    originWriter, issuer, metrics, traffic);
            AccessLog accessLog = parts.add(AccessLog.open(config.accessLog(), "control-plane",
                    "control-plane@" + config.listen(), config.serverTiming(), clock));
            NodeServer api = NodeServer.on(config.listenAddress(), limits)
                    .maxRequestBodyBytes(RefusedBodies.listenerLimit(config.maxRequestBodyBytes()))
                    .accessLog(accessLog).start(pipelines.api());
            parts.add("API listener", api);
            Optional<NodeServer> nodeServer = identity.map(i -> NodeServer.on(config.tls().get().nodeListenAddress(),
                    limits).tls(i.nodeListener()).accessLog(accessLog).start(pipelines.nodes()));
            nodeServer.ifPresent(n -> parts.add("node listener", n));
            Optional<NodeServer> steeringServer = config.steeringAddress()
                    .map(address -> NodeServer.on(address, limits).accessLog(accessLog)
                            .start(Handlers.steering(live, metrics::steered)));
            steeringServer.ifPresent(n -> parts.add("steering listener", n));
            Optional<DnsServer> dnsServer = config.dns().map(dns -> DnsServer.start(dns, live, clock, metrics::steered));
            dnsServer.ifPresent(d -> parts.add("DNS server", d));
            return new ControlPlane(parts, api, steeringServer, nodeServer, dnsServer, registry, log, config,
                    pipelines.endpoints(), instances);
        } catch (RuntimeException e) {
            throw parts.closeAfter(e);
        }
    }

    /** The config this control plane was built from. */
    public ControlPlaneConfig config() {
        return config;
    }

    /** Every method + path its API serves (both listeners); what {@code /api/v1/openapi.json} documents. */
    public List<RouteTable.Endpoint> apiEndpoints() {
        return apiEndpoints;
    }

    /** {@code http://host:port} of the API listener (which also steers paths outside /api/). */
    public URI apiUri() {
        return api.baseUri();
    }

    /** {@code http://host:port} of the steering-only listener, when configured. */
    public Optional<URI> steeringUri() {
        return steeringServer.map(NodeServer::baseUri);
    }

    /** {@code https://host:port} of the mutual-TLS node listener, when TLS is configured. */
    public Optional<URI> nodeUri() {
        return nodeServer.map(NodeServer::baseUri);
    }

    /** The UDP and TCP address of the DNS server, when {@code dns} is configured. */
    public Optional<java.net.InetSocketAddress> dnsAddress() {
        return dnsServer.map(DnsServer::address);
    }

    /** Requests the API listener is serving now (for tests of stopping). */
    int apiRequestsInProgress() {
        return api.requestsInProgress();
    }

    Registry registry() {
        return registry;
    }

    InvalidationLog log() {
        return log;
    }

    /** The control planes sharing this one's PostgreSQL database, when it is shared. */
    Optional<Instances> instances() {
        return instances;
    }

    /**
     * Stops: first stops judging silence ({@link Registry#stopHearing}: from here on heartbeats cannot reach it,
     * since its listeners refuse new connections), then drains every listener side by side (each waits up to
     * {@code limits.drainTimeout} for its requests in progress), then closes the rest in reverse order.
     */
    @Override
    public void close() {
        if (stopping.compareAndSet(false, true)) {
            registry.stopHearing();
            api.startDraining();
            nodeServer.ifPresent(NodeServer::startDraining);
            steeringServer.ifPresent(NodeServer::startDraining);
        }
        parts.close();
    }
}
