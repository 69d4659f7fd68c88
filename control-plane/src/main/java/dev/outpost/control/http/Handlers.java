package dev.outpost.control.http;

import dev.outpost.common.auth.FailedAuthLimiter;
import dev.outpost.common.http.ErrorMappingHandler;
import dev.outpost.common.http.MetricsEndpoint;
import dev.outpost.common.http.RequestMeters;
import dev.outpost.common.http.RouteTable;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.assets.OriginWriter;
import dev.outpost.control.assets.RecentWrites;
import dev.outpost.control.invalidation.Dispatcher;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.metrics.ControlPlaneMetrics;
import dev.outpost.control.registry.Registry;
import dev.outpost.control.dns.DnsSteering;
import dev.outpost.control.steering.Candidate;
import dev.outpost.control.steering.Steering;
import java.util.List;
import java.util.function.Supplier;
import dev.outpost.control.tls.NodeIssuer;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Assembles the control plane's handlers, in request order, behind the guards every listener applies
 * ({@link dev.outpost.common.http.NodeServer}); the only Undertow wiring there is.
 */
public final class Handlers {
    private Handlers() {
    }

    /** The API listener's pipeline and, with TLS, the node listener's; one rate limiter and write memory for both. */
    public record ApiPipelines(HttpHandler api, HttpHandler nodes, List<RouteTable.Endpoint> endpoints) {
    }

    /**
     * Both API pipelines: {@code /api/...} and the dashboard ({@code /dashboard...}) → worker thread → the
     * listener's route table ({@link ApiRoutes}); every other path steers (on the IO thread) like the steering
     * listener. The node listener has the same API (once TLS is configured, registrations, heartbeats and renewals
     * are taken only there); both share rate-limit and failed-authentication budgets and the memory of recent
     * write-through uploads, so neither is doubled by using both listeners.
     */
    public static ApiPipelines api(ControlPlaneConfig config, Clock clock, InvalidationLog log, Dispatcher dispatcher,
            Registry registry, Steering steering, Supplier<List<Candidate>> edges, OriginWriter originWriter,
            Optional<NodeIssuer> issuer, ControlPlaneMetrics metrics) {
        SteeringHandler steer = new SteeringHandler(steering, edges, metrics::steered);
        HttpHandler metricsEndpoint = new MetricsEndpoint(metrics.registry(), () -> metrics.refresh(log, registry));
        ApiRoutes routes = new ApiRoutes(config, log, dispatcher, registry, steer,
                new DnsSteering(steering, edges), originWriter,
                new RecentWrites(clock, Duration.ofMinutes(10), 10_000), new RateLimiter(clock, metrics::rateLimited),
                new FailedAuthLimiter(config.limits().failedAuth(), clock), issuer, metricsEndpoint);
        HandlerWrapper requests = new RequestMeters(metrics.registry(), "controlplane.api.requests",
                "controlplane.api.response.bytes", "unmatched");
        RouteTable apiTable = routes.table(false);
        return new ApiPipelines(apiOrSteering(apiTable, steer, requests),
                apiOrSteering(routes.table(true), steer, requests), apiTable.endpoints());
    }

    private static HttpHandler apiOrSteering(RouteTable table, HttpHandler steer, HandlerWrapper requests) {
        // counted once the answer is complete, so the status is the mapped error's too
        HttpHandler api = requests.wrap(ErrorMappingHandler.onWorkerThread(table));
        return exchange -> {
            String path = exchange.getRequestPath();
            (path.startsWith("/api/") || Dashboard.serves(path) ? api : steer).handleRequest(exchange);
        };
    }

    /** The steering-only listener: every path is a 302 to an edge. */
    public static HttpHandler steering(Steering steering, Supplier<List<Candidate>> edges,
            ControlPlaneMetrics metrics) {
        return new SteeringHandler(steering, edges, metrics::steered);
    }
}
