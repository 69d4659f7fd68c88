package dev.outpost.edge;

import dev.outpost.common.http.NodeServer;
import dev.outpost.common.http.RouteTable;
import dev.outpost.common.http.ServerLimits;
import dev.outpost.common.http.accesslog.AccessLog;
import dev.outpost.common.lifecycle.Closer;
import dev.outpost.common.tls.NodeCertificate;
import dev.outpost.common.tls.TlsContexts;
import dev.outpost.common.wire.ServiceSnapshot;
import dev.outpost.edge.cache.CachePolicy;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.Collapser;
import dev.outpost.edge.cache.DiskTier;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.cache.Purger;
import dev.outpost.edge.cache.Pusher;
import dev.outpost.edge.config.AdminConfig;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.edge.config.DiskConfig;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.edge.config.EdgeTls;
import dev.outpost.edge.config.OriginTimeouts;
import dev.outpost.edge.config.SpoolConfig;
import dev.outpost.edge.control.AppliedSequence;
import dev.outpost.edge.control.ControlPlaneLink;
import dev.outpost.edge.origin.Shields;
import dev.outpost.edge.origin.Upstream;
import dev.outpost.common.wire.ShieldNode;
import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.control.Invalidations;
import dev.outpost.edge.control.Lease;
import dev.outpost.edge.http.EdgeHandlers;
import dev.outpost.edge.http.EdgeInfoHandler;
import dev.outpost.edge.metrics.EdgeMetrics;
import dev.outpost.edge.origin.FetchOutcome;
import dev.outpost.edge.origin.OriginClient;
import dev.outpost.edge.origin.OriginHealth;
import dev.outpost.edge.origin.FetchThreads;
import dev.outpost.edge.origin.OriginFetch;
import dev.outpost.edge.origin.SliceFetch;
import dev.outpost.edge.origin.Slicing;
import dev.outpost.edge.cache.Slices;
import dev.outpost.edge.config.SliceConfig;
import dev.outpost.edge.origin.OriginSlots;
import dev.outpost.edge.origin.Prefetcher;
import dev.outpost.edge.origin.ProxyHeaders;
import dev.outpost.edge.origin.Refresher;
import dev.outpost.edge.origin.Route;
import dev.outpost.edge.origin.Routes;
import dev.outpost.edge.origin.Spool;
import dev.outpost.edge.service.ConfigCache;
import dev.outpost.edge.service.ServiceDirectory;
import dev.outpost.edge.tls.UploadedCertificates;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

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
    private final NodeServer server;
    private final Optional<NodeServer> httpsServer;
    private final Optional<NodeServer> adminServer;
    private final List<RouteTable.Endpoint> adminEndpoints;
    private final Optional<NodeCertificate> certificate;
    private final AppliedSequence applied;
    private final Clock clock;
    /** Everything started, closed in reverse order: the link, the listeners, the certificate, the origin client. */
    private final Closer started;
    private final OriginHealth originHealth;
    private final ServiceDirectory services;
    /** The shields the control plane names in every heartbeat reply; fetches go through them ({@link Upstream}). */
    private final Shields shields;
    /** Set when {@link #close} begins: health answers 503 {@code draining} while requests in progress finish. */
    private final AtomicBoolean stopping;
    private volatile Optional<ControlPlaneLink> link = Optional.empty();

    private EdgeNode(EdgeConfig config, CacheStore store, Purger purger, Prefetcher prefetcher, Pusher pusher,
            EdgeMetrics metrics, NodeServer server, Optional<NodeServer> httpsServer, Optional<NodeServer> adminServer,
            List<RouteTable.Endpoint> adminEndpoints, Optional<NodeCertificate> certificate, AppliedSequence applied, Clock clock, Closer started,
            OriginHealth originHealth, ServiceDirectory services, Shields shields, AtomicBoolean stopping) {
        this.stopping = stopping;
        this.shields = shields;
        this.originHealth = originHealth;
        this.services = services;
        this.config = config;
        this.store = store;
        this.purger = purger;
        this.prefetcher = prefetcher;
        this.pusher = pusher;
        this.metrics = metrics;
        this.server = server;
        this.httpsServer = httpsServer;
        this.adminServer = adminServer;
        this.adminEndpoints = adminEndpoints;
        this.certificate = certificate;
        this.applied = applied;
        this.clock = clock;
        this.started = started;
    }

    /**
     * The health answer of {@code /_edge/health}; {@code appliedSequence} is the highest invalidation applied,
     * {@code originsDown} how many origins have an open circuit (which ones: the admin API's {@code /_edge/origins};
     * health answers on the public listener too, where origin addresses have no business); {@code configSource}
     * where the services it runs came from ({@code file} or {@code control-plane}) and {@code configVersion} the
     * control plane's configuration version it runs (0 with the file's).
     */
    public record Health(String status, String id, String region, long storeBytes, long storeEntries,
            int inFlight, long appliedSequence, int originsDown, String configSource, long configVersion)
            implements EdgeInfoHandler.Draining {
        @Override
        public boolean draining() {
            return status.equals(DRAINING);
        }
    }

    /** How long stopping waits for the control plane to take the edge's goodbye ({@link ControlPlaneLink#leave}). */
    private static final Duration LEAVE_WAIT = Duration.ofSeconds(2);

    /** {@link Health#status} from the moment the edge is told to stop. */
    public static final String DRAINING = "draining";

    public static EdgeNode start(EdgeConfig config, Clock clock) {
        config.requireEverySectionUsed();
        CachePolicy policy = CachePolicy.from(config.cache());
        // A purge is remembered for fetches in flight longer than any fetch may take (the origin's total timeout).
        Duration purgeMemory = config.origin().total().multipliedBy(2).plusSeconds(10);
        // Starts now: an edge that never hears from its control plane stops trusting its objects after one lease.
        Lease lease = config.controlPlane().map(cp -> Lease.of(clock, cp.lease(), cp.onLeaseExpiry()))
                .orElseGet(Lease::none);
        DiskConfig diskConfig = config.cache().disk();
        // Objects kept from an earlier run are trusted only once this run caught up on what it missed meanwhile.
        Optional<DiskTier> disk = diskConfig.directory().map(dir -> DiskTier.open(dir, diskConfig.maxBytes(),
                Math.min(diskConfig.maxObjectBytes(), config.cache().maxObjectBytes()),
                config.cache().maxVariantsPerUrl(), diskConfig.fsync(), diskConfig.maxQueuedBytes(),
                lease::renewedSinceStart, diskConfig.readOnIoThread(), diskConfig.minFreeBytes()));
        CacheStore store = new CacheStore(config.cache().maxBytes(), config.cache().maxVariantsPerUrl(),
                purgeMemory, disk);
        Collapser<FetchOutcome> collapser = new Collapser<>(config.collapsing().maxWaiters(),
                config.collapsing().maxWait(), config.cache().hitForPass(), clock);
        store.onPurge(collapser::detach);
        OriginTimeouts origin = config.origin();
        OriginSlots slots = new OriginSlots(origin.maxRequests(), origin.maxRequestsPerClient(), origin.queueWait());
        SpoolConfig spoolConfig = config.cache().spool();
        Spool spool = new Spool(spoolConfig.directory(config.id()), spoolConfig.maxBytes());
        EdgeMetrics metrics = new EdgeMetrics(store, collapser, slots, spool, clock);
        Optional<ConfigCache> configCache = config.controlPlane().flatMap(ControlPlaneLinkConfig::configCache)
                .map(path -> new ConfigCache(Path.of(path)));
        Routes initial = configCache.flatMap(ConfigCache::read)
                .map(s -> new Routes(s.services(), Routes.Source.CONTROL_PLANE, s.version(), config.region()))
                .orElseGet(() -> new Routes(config.services(), Routes.Source.FILE, 0, config.region()));
        List<URI> allOrigins = initial.origins();
        OriginClient client = new OriginClient(origin, clock, metrics, config.limits().maxOriginHeaderBytes(), slots,
                allOrigins);
        metrics.watch(client.health(), initial);
        // One immutable configuration, swapped whole by the control plane's changes; requests read it once.
        ServiceDirectory routes = new ServiceDirectory(config.id(), config.services(), initial, next -> {
            metrics.watch(client.health(), next);
            configCache.ifPresent(c -> c.keep(next));
        });
        // Origin I/O blocks: on platform threads up to origin.fetchThreads (fewer context switches per miss), then
        // on virtual threads, which keep thousands of slow misses (and the bodies they fill) cheap.
        FetchThreads blocking = new FetchThreads(origin.fetchThreads());
        SliceConfig sliceConfig = config.cache().slices();
        Slicing slicing = new Slicing(new Slices(sliceConfig.enabled(), sliceConfig.sizeBytes(),
                sliceConfig.minObjectBytes()));
        Shields shields = new Shields(config.id());
        Upstream upstream = new Upstream(client, shields, config.shield(), config.origin().shieldFallback(),
                metrics);
        OriginFetch fetch = new OriginFetch(client, upstream, store, policy, config.id(), spool,
                spoolConfig.windowBytes(), config.cache().backgroundFillMaxBytes(), blocking, slicing);
        SliceFetch sliceFetch = new SliceFetch(fetch, store, policy, config.id(), slicing,
                metrics.sliceCounts().fetches());
        Refresher refresher = new Refresher(collapser, fetch, blocking);
        Purger purger = new Purger(store, host -> routes.find(host).map(Route::keys));
        Pusher pusher = new Pusher(store, policy, clock, host -> routes.find(host).map(Route::keys));
        Prefetcher prefetcher = new Prefetcher(routes::current, store, collapser, fetch);
        // Kept next to the disk tier: a restarted edge reports how far its disk objects were purged.
        AppliedSequence applied = diskConfig.directory().map(dir -> new AppliedSequence(dir.resolve(
                "applied-sequence"), () -> store.purgeIf(key -> true, true))).orElseGet(AppliedSequence::new);
        // Live pushes (admin calls) and the heartbeat catch-up carry out entries the same way, through one gate.
        Invalidations invalidations = new Invalidations(applied, purger, prefetcher, routes);
        AtomicBoolean stopping = new AtomicBoolean();
        EdgeHandlers.Parts parts = new EdgeHandlers.Parts(config.id(), clock, routes, store, collapser, client,
                fetch, refresher, blocking, metrics, () -> new Health(stopping.get() ? DRAINING : "ok", config.id(),
                        config.region(),
                        store.bytes(), store.entries(), collapser.inFlight(), applied.highest(),
                        client.health().down().size(), routes.current().source().toString(),
                        routes.current().version()),
                config.cache().maxObjectBytes(), config.limits(), lease,
                origin.read().plus(origin.total()), // a relay waits for the filler, which the timeouts bound
                sliceFetch, config.collapsing().maxWait(),
                config.shield() ? CacheStatus.SHIELD_NAME : CacheStatus.NAME);

        Closer started = new Closer("edge " + config.id());
        disk.ifPresent(d -> started.add("disk tier", d)); // closed last: queued writes finish after the listeners
        started.add("metrics", metrics);
        started.add("origin client", client);
        started.add("origin fetch threads", blocking);
        try {
            // Joining (when there is no certificate yet) happens before any listener opens.
            // A join goes to the control planes' API (controlPlane.urls), the first that answers.
            Optional<NodeCertificate> certificate = config.tls().map(tls -> NodeCertificate.open(tls.certificate(),
                    config.controlPlane().map(ControlPlaneLinkConfig::urls).orElse(List.of()), clock));
            certificate.ifPresent(c -> started.add("node certificate", c));
            if (config.tls().flatMap(EdgeTls::controlPlaneUrl).isPresent()) {
                // The node listener holds registrations to the certificate's node id: a mismatch fails here.
                certificate.get().requireIssuedTo(config.id());
            }
            Optional<UploadedCertificates> uploads = certificate.map(c -> new UploadedCertificates(c.keys(),
                    Path.of(config.tls().get().dir())));
            ServerLimits limits = config.limits().serverLimits();
            // Opened before the listeners and closed after them: every listener writes its lines to it.
            AccessLog accessLog = started.add(AccessLog.open(config.accessLog(), "edge", config.id(),
                    config.serverTiming(), clock));
            NodeServer server = NodeServer.on(config.listenAddress(), limits).accessLog(accessLog)
                    .start(EdgeHandlers.publicPipeline(parts));
            started.add("public listener", server);
            Optional<EdgeTls> tls = config.tls();
            Optional<NodeServer> https = tls.flatMap(EdgeTls::listenAddress).map(address -> NodeServer
                    .on(address, limits).tls(TlsContexts.server(certificate.get().keys())).accessLog(accessLog)
                    .start(EdgeHandlers.publicPipeline(parts)));
            https.ifPresent(h -> started.add("public HTTPS listener", h));
            Optional<NodeServer> admin = Optional.empty();
            List<RouteTable.Endpoint> adminEndpoints = List.of();
            if (config.admin().isPresent()) {
                AdminConfig a = config.admin().get();
                // With mutual TLS to the control plane, the admin listener takes only the control plane's
                // certificate; otherwise it stays plain HTTP with the bearer token.
                boolean mutual = tls.flatMap(EdgeTls::controlPlaneUrl).isPresent();
                NodeServer.Builder listener = NodeServer.on(a.listenAddress(), limits).accessLog(accessLog);
                if (mutual) {
                    NodeCertificate c = certificate.get();
                    listener.tls(TlsContexts.mutualServer(c.keys(), c.ca()));
                }
                EdgeHandlers.AdminPipeline pipeline = EdgeHandlers.adminPipeline(parts, a.token(), invalidations,
                        pusher, uploads, mutual);
                adminEndpoints = pipeline.endpoints();
                admin = Optional.of(listener.start(pipeline.handler()));
                started.add("admin listener", admin.get());
            }
            List<java.net.InetSocketAddress> listeners = new java.util.ArrayList<>(List.of(server.address()));
            https.ifPresent(h -> listeners.add(h.address()));
            admin.ifPresent(a -> listeners.add(a.address()));
            routes.listeningOn(new ServiceDirectory.OwnAddresses(listeners));
            EdgeNode node = new EdgeNode(config, store, purger, prefetcher, pusher, metrics, server, https, admin,
                    adminEndpoints, certificate, applied, clock, started, client.health(), routes, shields, stopping);
            config.controlPlane().ifPresent(link -> node.connect(link, lease, invalidations));
            return node;
        } catch (RuntimeException e) {
            throw started.closeAfter(e);
        }
    }

    /** Starts the control-plane link, advertising the configured URLs or else the listeners' own. */
    private void connect(ControlPlaneLinkConfig linkConfig, Lease lease, Invalidations invalidations) {
        ControlPlaneLink.Identity identity = new ControlPlaneLink.Identity(config.id(), config.region(),
                linkConfig.publicUrl().orElse(baseUri()), linkConfig.adminUrl().or(this::adminUri), config.role());
        // Catch-up prefetches come from the control plane, as live ones do.
        ProxyHeaders.Client controlPlane = new ProxyHeaders.Client(linkConfig.url().getHost(),
                linkConfig.url().getScheme());
        List<URI> nodeUrls = config.tls().map(EdgeTls::controlPlaneUrls).orElse(List.of());
        if (!nodeUrls.isEmpty()) {
            NodeCertificate c = certificate.orElseThrow();
            EdgeTls tls = config.tls().get();
            c.startRenewal(nodeUrls, tls.renewBefore(), tls.renewCheckInterval(), clock);
            link = Optional.of(ControlPlaneLink.start(identity, linkConfig, applied,
                    invalidations.entries(controlPlane), this::stats, metrics.traffic(),
                    store::isEmpty, nodeUrls, Optional.of(c.client()), lease, configuration()));
            started.add("control-plane link", link.get());
        } else {
            link = Optional.of(ControlPlaneLink.start(identity, linkConfig, applied,
                    invalidations.entries(controlPlane), this::stats, metrics.traffic(),
                    store::isEmpty, lease, configuration()));
            started.add("control-plane link", link.get());
        }
    }

    /** The service directory as the control-plane link sees it: snapshots replace it, heartbeats report its version. */
    private ControlPlaneLink.Configuration configuration() {
        return new ControlPlaneLink.Configuration() {
            @Override
            public void replace(ServiceSnapshot snapshot) {
                services.replace(snapshot);
            }

            @Override
            public Optional<Long> version() {
                return Optional.of(services.current().version());
            }

            @Override
            public void shields(List<ShieldNode> named) {
                shields.replace(named);
            }
        };
    }

    /** Requests counted since start; hits are answers from the store without an origin fetch (HIT, STALE). */
    private ControlPlaneLink.Stats stats() {
        double requests = 0;
        for (Outcome status : Outcome.values()) {
            requests += metrics.requestCount(status);
        }
        double hits = metrics.requestCount(Outcome.HIT) + metrics.requestCount(Outcome.STALE);
        return new ControlPlaneLink.Stats((long) requests, requests == 0 ? 0 : hits / requests, store.bytes(),
                metrics.activeRequests(), metrics.responseMillis(), originHealth.down());
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

    /** Every method + path its admin listener serves (none without one); what {@code /_edge/openapi.json} names. */
    public List<RouteTable.Endpoint> adminEndpoints() {
        return adminEndpoints;
    }

    /** {@code http://host:port} (or {@code https://} with mutual TLS) of the admin listener, if configured. */
    public Optional<URI> adminUri() {
        return adminServer.map(NodeServer::baseUri);
    }

    /** {@code https://host:port} of the public HTTPS listener, if configured. */
    public Optional<URI> httpsUri() {
        return httpsServer.map(NodeServer::baseUri);
    }

    /** The node certificate and its key manager, when TLS is configured. */
    public Optional<NodeCertificate> certificate() {
        return certificate;
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

    /** Each origin's circuit breaker. */
    public OriginHealth originHealth() {
        return originHealth;
    }

    /** The highest invalidation sequence this edge applied (0 before it registered or applied any). */
    public long appliedSequence() {
        return applied.highest();
    }

    /** The delivery services this edge runs now, and where they came from. */
    public ServiceDirectory services() {
        return services;
    }

    /** The control-plane link, when one is configured. */
    /** The shields this edge fetches its misses through, as the control plane last named them. */
    public Shields shields() {
        return shields;
    }

    public Optional<ControlPlaneLink> controlPlaneLink() {
        return link;
    }

    /**
     * Stops the edge: every listener starts draining at once (health answers 503 {@code draining}, no new
     * connection is accepted, answers close their connections), then the parts close in the reverse of their start,
     * each listener after its requests in progress finished or {@code limits.listener.drainTimeout} passed.
     */
    @Override
    public void close() {
        if (stopping.compareAndSet(false, true)) {
            // First the goodbye, while the listeners still take connections: steering sends clients elsewhere now,
            // not after the heartbeat timeout (bounded: an unreachable control plane does not hold the shutdown).
            link.ifPresent(l -> l.leave(LEAVE_WAIT));
            server.startDraining();
            httpsServer.ifPresent(NodeServer::startDraining);
            adminServer.ifPresent(NodeServer::startDraining);
        }
        started.close();
    }
}
