package dev.outpost.control.api;

import dev.outpost.common.http.ErrorMappingHandler;
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

/** Assembles the control plane's two handler pipelines, in request order; the only Undertow wiring there is. */
public final class Handlers {
    private Handlers() {
    }

    /**
     * The API listener: {@code /api/...} → worker thread → error mapping → {@link ApiRouter}; every other path
     * steers (on the IO thread) like the steering listener.
     */
    public static HttpHandler api(ControlPlaneConfig config, Clock clock, InvalidationLog log, Dispatcher dispatcher,
            Registry registry, Steering steering, OriginWriter originWriter) {
        return api(config, clock, log, dispatcher, registry, steering, originWriter, Optional.empty(), false);
    }

    /**
     * The API listener or, with {@code nodeListener}, the mutual-TLS node listener (same API; registrations,
     * heartbeats and renewals are taken only there once TLS is configured).
     */
    public static HttpHandler api(ControlPlaneConfig config, Clock clock, InvalidationLog log, Dispatcher dispatcher,
            Registry registry, Steering steering, OriginWriter originWriter, Optional<NodeIssuer> issuer,
            boolean nodeListener) {
        SteeringHandler steer = new SteeringHandler(steering, registry);
        RecentWrites recentWrites = new RecentWrites(clock, Duration.ofMinutes(10), 10_000);
        HttpHandler api = new BlockingHandler(new ErrorMappingHandler(new ApiRouter(config, new RateLimiter(clock),
                log, dispatcher, registry, steer, originWriter, recentWrites, issuer, nodeListener)));
        HttpHandler redirect = new ErrorMappingHandler(steer);
        return exchange -> (exchange.getRequestPath().startsWith("/api/") ? api : redirect)
                .handleRequest(exchange);
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
