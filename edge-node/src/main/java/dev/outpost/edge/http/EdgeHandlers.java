package dev.outpost.edge.http;

import dev.outpost.common.auth.FailedAuthLimiter;
import dev.outpost.common.http.ErrorMappingHandler;
import dev.outpost.common.http.FailedAuthGuard;
import dev.outpost.common.http.FramingHandler;
import dev.outpost.common.http.SlowReaderHandler;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.Collapser;
import dev.outpost.edge.cache.Purger;
import dev.outpost.edge.cache.Pusher;
import dev.outpost.edge.config.EdgeLimits;
import dev.outpost.edge.control.AppliedSequence;
import dev.outpost.edge.control.Lease;
import dev.outpost.edge.metrics.EdgeMetrics;
import dev.outpost.edge.origin.FetchOutcome;
import dev.outpost.edge.origin.OriginClient;
import dev.outpost.edge.origin.OriginFetch;
import dev.outpost.edge.origin.Prefetcher;
import dev.outpost.edge.origin.Refresher;
import dev.outpost.edge.origin.Routes;
import dev.outpost.edge.tls.UploadedCertificates;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.BlockingHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/** The edge's two Undertow pipelines, each assembled in one method, in request order. */
public final class EdgeHandlers {
    private EdgeHandlers() {
    }

    /**
     * What the pipelines are built from; the edge node builds these by hand. {@code lease}: whether the edge still
     * trusts what it holds (it heard from its control plane recently), consulted on every answer from the store.
     */
    public record Parts(String edgeId, Clock clock, Routes routes, CacheStore store,
            Collapser<FetchOutcome> collapser, OriginClient client, OriginFetch fetch, Refresher refresher,
            Executor blocking, EdgeMetrics metrics, Supplier<Object> health, long maxObjectBytes,
            EdgeLimits limits, Lease lease, Duration maxBodyWait) {
    }

    /**
     * AccessLog → slow readers cut off → framing (close after chunked bodies) → ErrorMapping → allowed methods →
     * health/metrics → Route (Host → delivery service) → signed-URL check → Cache. Hits never leave the IO thread;
     * misses dispatch inside the cache handler.
     */
    public static HttpHandler publicPipeline(Parts p) {
        ResponseWriter writer = new ResponseWriter(p.edgeId(), p.clock(), p.limits().maxRangeParts(),
                p.maxBodyWait());
        MissFlow misses = new MissFlow(p.collapser(), p.fetch(), p.store(), writer, p.blocking(), p.clock());
        PassThrough pass = new PassThrough(p.client(), p.fetch(), p.store(), writer, p.edgeId(), p.maxObjectBytes());
        HttpHandler cache = new CacheHandler(p.store(), misses, pass, p.refresher(), writer, p.blocking(), p.clock(),
                p.lease());
        return new AccessLogHandler(p.clock(), p.metrics(),
                new SlowReaderHandler(p.limits().listener().idleTimeout(),
                        new FramingHandler(
                                new ErrorMappingHandler(
                                        new AllowedMethodsHandler(p.limits().allowedMethods(),
                                                new EdgeInfoHandler(p.health(), p.metrics(),
                                                        new RouteHandler(p.routes(),
                                                                new SignedUrlHandler(p.clock(), cache))))))));
    }

    /**
     * AccessLog → blocking dispatch → ErrorMapping → body limit → health/metrics → failed-auth budget (429 once a
     * client address spent it) → admin commands (bearer token).
     * Object uploads are bounded by maxObjectBytes, every other call by limits.maxApiBodyBytes.
     */
    public static HttpHandler adminPipeline(Parts p, String token, Purger purger, Prefetcher prefetcher,
            Pusher pusher, AppliedSequence applied) {
        return adminPipeline(p, token, purger, prefetcher, pusher, applied, Optional.empty(), false);
    }

    /**
     * The admin pipeline with certificate uploads (when TLS is configured) and, with {@code controlPlaneOnly} (the
     * listener is mutual TLS), a check after the error mapping that the client's certificate is the control
     * plane's.
     */
    public static HttpHandler adminPipeline(Parts p, String token, Purger purger, Prefetcher prefetcher,
            Pusher pusher, AppliedSequence applied, Optional<UploadedCertificates> certificates,
            boolean controlPlaneOnly) {
        HttpHandler admin = new BodyLimitHandler(p.limits().maxApiBodyBytes(), p.maxObjectBytes(),
                new EdgeInfoHandler(p.health(), p.metrics(),
                        new FailedAuthGuard(new FailedAuthLimiter(p.limits().listener().failedAuth(), p.clock()),
                                Set.of(401),
                                new AdminHandler(token, p.routes(), purger, prefetcher, pusher, p.maxObjectBytes(),
                                        applied, certificates))));
        return new AccessLogHandler(p.clock(), p.metrics(),
                new BlockingHandler(
                        new ErrorMappingHandler(controlPlaneOnly ? new ControlPlaneOnlyHandler(admin) : admin)));
    }
}
