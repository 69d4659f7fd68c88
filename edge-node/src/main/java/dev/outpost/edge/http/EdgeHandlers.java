package dev.outpost.edge.http;

import dev.outpost.common.http.ErrorMappingHandler;
import dev.outpost.common.http.RouteTable;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.Collapser;
import dev.outpost.edge.cache.Pusher;
import dev.outpost.edge.config.EdgeLimits;
import dev.outpost.edge.control.Invalidations;
import dev.outpost.edge.control.Lease;
import dev.outpost.edge.metrics.EdgeMetrics;
import dev.outpost.edge.origin.FetchOutcome;
import dev.outpost.edge.origin.FetchThreads;
import dev.outpost.edge.origin.OriginClient;
import dev.outpost.edge.origin.OriginFetch;
import dev.outpost.edge.origin.SliceFetch;
import dev.outpost.edge.origin.Refresher;
import dev.outpost.edge.service.ServiceDirectory;
import dev.outpost.edge.tls.UploadedCertificates;
import io.undertow.server.HttpHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** The edge's two Undertow pipelines, each assembled in one method, in request order. */
public final class EdgeHandlers {
    private EdgeHandlers() {
    }

    /**
     * What the pipelines are built from; the edge node builds these by hand. {@code lease}: whether the edge still
     * trusts what it holds (it heard from its control plane recently), consulted on every answer from the store.
     */
    public record Parts(String edgeId, Clock clock, ServiceDirectory routes, CacheStore store,
            Collapser<FetchOutcome> collapser, OriginClient client, OriginFetch fetch, Refresher refresher,
            FetchThreads blocking, EdgeMetrics metrics, Supplier<Object> health, long maxObjectBytes,
            EdgeLimits limits, Lease lease, Duration maxBodyWait, SliceFetch slices, Duration maxWait,
            String cacheName) {
    }

    /**
     * Outcome (metrics) → allowed methods → health/metrics → loop check (508 when {@code Via} names this node) →
     * Route (Host → delivery service) → signed-URL check → Cache, behind the guards every listener applies ({@link dev.outpost.common.http.NodeServer}: access log and
     * trace context, request fields, slow readers cut off, framing, error mapping). Hits never leave the IO thread; misses dispatch inside the cache
     * handler.
     */
    public static HttpHandler publicPipeline(Parts p) {
        ResponseWriter writer = new ResponseWriter(p.edgeId(), p.cacheName(), p.clock(), p.limits().maxRangeParts(),
                p.maxBodyWait());
        SliceFlow slices = new SliceFlow(p.slices(), p.store(), writer, p.clock(), p.limits().maxRangeParts(),
                p.maxWait(), p.metrics().sliceCounts());
        MissFlow misses = new MissFlow(p.collapser(), p.fetch(), p.store(), writer, p.blocking(), p.clock(), slices);
        PassThrough pass = new PassThrough(p.client(), p.fetch(), p.store(), writer, p.edgeId(), p.maxObjectBytes());
        HttpHandler cache = new CacheHandler(p.store(), misses, pass, p.refresher(), writer, p.blocking(), p.clock(),
                p.lease(), p.slices().slices().enabled());
        return new OutcomeHandler(p.metrics(),
                new AllowedMethodsHandler(p.limits().allowedMethods(),
                        new EdgeInfoHandler(p.health(), p.metrics(),
                                new LoopHandler(p.edgeId(),
                                        new RouteHandler(p.routes(),
                                                new SignedUrlHandler(p.clock(), cache))))));
    }

    /**
     * The admin listener: Outcome (metrics) → worker thread (errors mapped there) → the admin table
     * ({@link AdminRoutes}): with {@code controlPlaneOnly} (the listener is mutual TLS) only the control plane's
     * certificate passes, then the body limit, health and metrics, and everything else behind the failed-auth budget
     * and the admin token.
     */
    public static AdminPipeline adminPipeline(Parts p, String token, Invalidations invalidations, Pusher pusher,
            Optional<UploadedCertificates> certificates, boolean controlPlaneOnly) {
        RouteTable admin = AdminRoutes.table(p, token, invalidations, pusher, certificates, controlPlaneOnly);
        return new AdminPipeline(new OutcomeHandler(p.metrics(),
                ErrorMappingHandler.onWorkerThread(admin)), admin.endpoints());
    }

    /** The admin listener's handler and the method + paths its table serves (what its OpenAPI document names). */
    public record AdminPipeline(HttpHandler handler, List<RouteTable.Endpoint> endpoints) {
    }
}
