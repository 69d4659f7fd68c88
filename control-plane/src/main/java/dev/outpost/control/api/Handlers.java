package dev.outpost.control.api;

import dev.outpost.common.auth.FailedAuthLimiter;
import dev.outpost.common.http.ErrorMappingHandler;
import dev.outpost.common.http.FailedAuthGuard;
import dev.outpost.common.http.FramingHandler;
import dev.outpost.common.http.ServerLimits;
import dev.outpost.common.http.SlowReaderHandler;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.assets.OriginWriter;
import dev.outpost.control.assets.RecentWrites;
import dev.outpost.control.invalidation.Dispatcher;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.registry.Registry;
import dev.outpost.control.steering.Steering;
import dev.outpost.control.tls.NodeIssuer;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.BlockingHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** Assembles the control plane's two handler pipelines, in request order; the only Undertow wiring there is. */
public final class Handlers {
    private Handlers() {
    }

    /** The API listener's pipeline and, with TLS, the node listener's; one rate limiter and write memory for both. */
    public record ApiPipelines(HttpHandler api, HttpHandler nodes) {
    }

    /**
     * The API listener: {@code /api/...} → worker thread → failed-auth budget (429 once a client address spent it;
     * shared by both listeners) → error mapping → {@link ApiRouter}; every other path
     * steers (on the IO thread) like the steering listener.
     */
    public static HttpHandler api(ControlPlaneConfig config, Clock clock, InvalidationLog log, Dispatcher dispatcher,
            Registry registry, Steering steering, OriginWriter originWriter) {
        return api(config, clock, log, dispatcher, registry, steering, originWriter, Optional.empty()).api();
    }

    /**
     * Both API pipelines: the API listener's, and the mutual-TLS node listener's (same API; once TLS is configured,
     * registrations, heartbeats and renewals are taken only there). They share rate-limit budgets and the memory of
     * recent write-through uploads, so neither is doubled by using both listeners.
     */
    public static ApiPipelines api(ControlPlaneConfig config, Clock clock, InvalidationLog log, Dispatcher dispatcher,
            Registry registry, Steering steering, OriginWriter originWriter, Optional<NodeIssuer> issuer) {
        SteeringHandler steer = new SteeringHandler(steering, registry);
        RecentWrites recentWrites = new RecentWrites(clock, Duration.ofMinutes(10), 10_000);
        RateLimiter rateLimiter = new RateLimiter(clock);
        FailedAuthLimiter failedAuth = new FailedAuthLimiter(config.limits().failedAuth(), clock);
        HttpHandler redirect = new ErrorMappingHandler(steer);
        HttpHandler[] pipelines = new HttpHandler[2];
        for (int i = 0; i < 2; i++) {
            HttpHandler api = new BlockingHandler(new FailedAuthGuard(failedAuth, Set.of(401),
                    new ErrorMappingHandler(new ApiRouter(config, rateLimiter, log, dispatcher, registry, steer,
                            originWriter, recentWrites, issuer, i == 1))));
            pipelines[i] = exchange -> (exchange.getRequestPath().startsWith("/api/") ? api : redirect)
                    .handleRequest(exchange);
        }
        return new ApiPipelines(pipelines[0], pipelines[1]);
    }

    /**
     * What every control-plane listener puts first: readers that stop reading are cut off after
     * {@code limits.idleTimeout}, and no request is read after a chunked body on the same connection.
     */
    public static HttpHandler guarded(HttpHandler handler, ServerLimits limits) {
        return new SlowReaderHandler(limits.idleTimeout(), new FramingHandler(handler));
    }

    /** The steering-only listener: every path is a 302 to an edge. */
    public static HttpHandler steering(Registry registry, Steering steering) {
        return new ErrorMappingHandler(new SteeringHandler(steering, registry));
    }
}
