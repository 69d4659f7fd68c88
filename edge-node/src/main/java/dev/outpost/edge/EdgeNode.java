package dev.outpost.edge;

import dev.outpost.common.http.NodeServer;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.edge.cache.CachePolicy;
import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.Collapser;
import dev.outpost.edge.cache.Purger;
import dev.outpost.edge.cache.Pusher;
import dev.outpost.edge.config.AdminConfig;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.edge.control.AppliedSequence;
import dev.outpost.edge.control.ControlPlaneLink;
import dev.outpost.edge.http.EdgeHandlers;
import dev.outpost.edge.metrics.EdgeMetrics;
import dev.outpost.edge.origin.FetchOutcome;
import dev.outpost.edge.origin.OriginClient;
import dev.outpost.edge.origin.OriginFetch;
import dev.outpost.edge.origin.Prefetcher;
import dev.outpost.edge.origin.ProxyHeaders;
import dev.outpost.edge.origin.Refresher;
import dev.outpost.edge.origin.Routes;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One running edge node: builds its object graph by hand from an {@link EdgeConfig}, starts the public listener
 * and (when configured) the admin listener and the control-plane link, and stops everything on close.
 */
public final class EdgeNode implements AutoCloseable {
    private final EdgeConfig config;
    private final CacheStore store;
    private final Purger purger;
    private final Prefetcher prefetcher;
    private final Pusher pusher;
    private final EdgeMetrics metrics;
    private final OriginClient client;
    private final ExecutorService blocking;
    private final NodeServer server;
    private final Optional<NodeServer> adminServer;
    private final AppliedSequence applied;
    private volatile Optional<ControlPlaneLink> link = Optional.empty();

    private EdgeNode(EdgeConfig config, CacheStore store, Purger purger, Prefetcher prefetcher, Pusher pusher,
            EdgeMetrics metrics, OriginClient client, ExecutorService blocking, NodeServer server,
            Optional<NodeServer> adminServer, AppliedSequence applied) {
        this.config = config;
        this.store = store;
        this.purger = purger;
        this.prefetcher = prefetcher;
        this.pusher = pusher;
        this.metrics = metrics;
        this.client = client;
        this.blocking = blocking;
        this.server = server;
        this.adminServer = adminServer;
        this.applied = applied;
    }

    /** The health answer of {@code /_edge/health}; {@code appliedSequence} is the highest invalidation applied. */
    public record Health(String status, String id, String region, long storeBytes, long storeEntries,
            int inFlight, long appliedSequence) {
    }

    public static EdgeNode start(EdgeConfig config, Clock clock) {
        CachePolicy policy = CachePolicy.from(config.cache());
        Routes routes = new Routes(config.services());
        CacheStore store = new CacheStore(config.cache().maxBytes(), config.cache().maxVariantsPerUrl());
        Collapser<FetchOutcome> collapser = new Collapser<>(config.collapsing().maxWaiters(),
                config.collapsing().maxWait(), config.cache().hitForPass(), clock);
        EdgeMetrics metrics = new EdgeMetrics(store, collapser);
        OriginClient client = new OriginClient(config.origin(), clock, metrics, config.limits().maxOriginHeaderBytes());
        OriginFetch fetch = new OriginFetch(client, store, policy, config.id());
        // Origin I/O blocks; virtual threads keep thousands of slow misses from exhausting a pool.
        ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
        Refresher refresher = new Refresher(collapser, fetch, blocking);
        Purger purger = new Purger(store, routes::keysFor);
        Pusher pusher = new Pusher(store, policy, clock, routes::keysFor);
        Prefetcher prefetcher = new Prefetcher(routes, store, collapser, fetch);
        AppliedSequence applied = new AppliedSequence();
        EdgeHandlers.Parts parts = new EdgeHandlers.Parts(config.id(), clock, routes, store, collapser, client,
                fetch, refresher, blocking, metrics, () -> new Health("ok", config.id(), config.region(),
                        store.bytes(), store.entries(), collapser.inFlight(), applied.highest()),
                config.cache().maxObjectBytes(), config.limits());

        NodeServer server = NodeServer.start(config.listenAddress(), EdgeHandlers.publicPipeline(parts),
                config.limits().serverLimits());
        Optional<NodeServer> admin = Optional.empty();
        try {
            if (config.admin().isPresent()) {
                AdminConfig a = config.admin().get();
                admin = Optional.of(NodeServer.start(a.listenAddress(),
                        EdgeHandlers.adminPipeline(parts, a.token(), purger, prefetcher, pusher, applied),
                        config.limits().serverLimits()));
            }
        } catch (RuntimeException e) {
            server.close();
            client.close();
            blocking.shutdownNow();
            throw e;
        }
        EdgeNode node = new EdgeNode(config, store, purger, prefetcher, pusher, metrics, client, blocking, server,
                admin, applied);
        config.controlPlane().ifPresent(node::connect);
        return node;
    }

    /** Starts the control-plane link, advertising the configured URLs or else the listeners' own. */
    private void connect(ControlPlaneLinkConfig linkConfig) {
        ControlPlaneLink.Identity identity = new ControlPlaneLink.Identity(config.id(), config.region(),
                linkConfig.publicUrl().orElse(baseUri()), linkConfig.adminUrl().or(this::adminUri));
        // Catch-up prefetches come from the control plane, as live ones do.
        ProxyHeaders.Client controlPlane = new ProxyHeaders.Client(linkConfig.url().getHost(),
                linkConfig.url().getScheme());
        link = Optional.of(ControlPlaneLink.start(identity, linkConfig, applied,
                entry -> apply(entry, controlPlane), this::stats, () -> store.entries() == 0));
    }

    /** One catch-up entry, carried out exactly like the admin call the control plane would have made. */
    private Object apply(InvalidationEntry entry, ProxyHeaders.Client from) {
        return switch (entry.kind()) {
            case PURGE -> purger.purge(new Purger.Request(entry.urls(), entry.prefixes(), entry.tags(),
                    entry.hosts(), entry.all(), entry.soft()));
            case PUSH -> prefetcher.prefetch(entry.urls(), from);
        };
    }

    /** Requests counted since start; hits are answers from the store without an origin fetch (HIT, STALE). */
    private ControlPlaneLink.Stats stats() {
        double requests = 0;
        for (CacheStatus status : CacheStatus.values()) {
            requests += metrics.requestCount(status);
        }
        double hits = metrics.requestCount(CacheStatus.HIT) + metrics.requestCount(CacheStatus.STALE);
        return new ControlPlaneLink.Stats((long) requests, requests == 0 ? 0 : hits / requests, store.bytes());
    }

    public static EdgeNode start(EdgeConfig config) {
        return start(config, Clock.systemUTC());
    }

    /** {@code http://host:port} of the public listener. */
    public URI baseUri() {
        return server.baseUri();
    }

    public int port() {
        return server.port();
    }

    /** {@code http://host:port} of the admin listener, if configured. */
    public Optional<URI> adminUri() {
        return adminServer.map(NodeServer::baseUri);
    }

    public EdgeConfig config() {
        return config;
    }

    public CacheStore store() {
        return store;
    }

    public Purger purger() {
        return purger;
    }

    /** Prefetch (push by URL), for the admin API and the control-plane client. */
    public Prefetcher prefetcher() {
        return prefetcher;
    }

    /** Push of content, for the admin API and the control-plane client. */
    public Pusher pusher() {
        return pusher;
    }

    public EdgeMetrics metrics() {
        return metrics;
    }

    /** The highest invalidation sequence this edge applied (0 before it registered or applied any). */
    public long appliedSequence() {
        return applied.highest();
    }

    /** The control-plane link, when one is configured. */
    public Optional<ControlPlaneLink> controlPlaneLink() {
        return link;
    }

    @Override
    public void close() {
        link.ifPresent(ControlPlaneLink::close);
        adminServer.ifPresent(NodeServer::close);
        server.close();
        blocking.shutdownNow();
        client.close();
    }
}
