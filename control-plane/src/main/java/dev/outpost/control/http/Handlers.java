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
import dev.outpost.control.services.ServiceChanges;
import dev.outpost.control.stats.TrafficStats;
import dev.outpost.control.dns.DnsSteering;
import dev.outpost.control.steering.Decision;
import dev.outpost.control.steering.LiveSteering;
import dev.outpost.control.steering.SteeringSource;
import java.util.function.Consumer;
import dev.outpost.common.http.FailedAuthGuard;
import dev.outpost.control.Scope;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Set;
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
            ServiceChanges services, Registry registry, LiveSteering steering, OriginWriter originWriter,
            Optional<NodeIssuer> issuer, ControlPlaneMetrics metrics, TrafficStats traffic) {
        SteeringHandler steer = new SteeringHandler(steering, metrics::steered);
        HttpHandler metricsEndpoint = new MetricsEndpoint(metrics.registry(), () -> metrics.refresh(log, registry));
        ApiRoutes routes = new ApiRoutes(config, log, dispatcher, services, registry, steer,
                new DnsSteering(steering), new SteeringStateEndpoint(steering::state), originWriter,
                new RecentWrites(clock, Duration.ofMinutes(10), 10_000), new RateLimiter(clock, metrics::rateLimited),
                new FailedAuthLimiter(config.limits().failedAuth(), clock), issuer, metricsEndpoint, traffic, clock);
        HandlerWrapper requests = new RequestMeters(metrics.registry(), "controlplane.api.requests",
                "controlplane.api.response.bytes", "unmatched");
        RouteTable apiTable = routes.table(false);
        return new ApiPipelines(apiOrSteering(apiTable, steer, requests, true),
                apiOrSteering(routes.table(true), steer, requests, true), apiTable.endpoints());
    }

    /** {@code dashboard}: {@code /dashboard...} goes to the table too (the control plane's; a replica has none). */
    private static HttpHandler apiOrSteering(RouteTable table, HttpHandler steer, HandlerWrapper requests,
            boolean dashboard) {
        // counted once the answer is complete, so the status is the mapped error's too
        HttpHandler api = requests.wrap(ErrorMappingHandler.onWorkerThread(table));
        return exchange -> {
            String path = exchange.getRequestPath();
            (path.startsWith("/api/") || dashboard && Dashboard.serves(path) ? api : steer).handleRequest(exchange);
        };
    }

    /**
     * A steering replica's listener: {@code GET /api/v1/route} (scope {@code read}, by the replica's own tokens) and
     * {@code /api/v1/metrics} on a worker thread, every other path a 302 (on the IO thread) as on the control plane.
     */
    public static HttpHandler replica(List<ControlPlaneConfig.Token> tokens, FailedAuthLimiter failedAuth,
            SteeringSource steering, int dnsAnswers, PrometheusMeterRegistry meters, Consumer<Decision> steered) {
        SteeringHandler steer = new SteeringHandler(steering, steered);
        RouteEndpoint route = new RouteEndpoint(steer, new DnsSteering(steering), dnsAnswers);
        RouteTable table = RouteTable.builder()
                .around(next -> new FailedAuthGuard(failedAuth, Set.of(401), next))
                .route("GET", "/api/v1/route", route::route, new Auth(tokens).scope(Scope.READ))
                .route("GET, HEAD", "/api/v1/metrics", new MetricsEndpoint(meters))
                .build();
        HandlerWrapper requests = new RequestMeters(meters, "steering.api.requests", "steering.api.response.bytes",
                "unmatched");
        return apiOrSteering(table, steer, requests, false);
    }

    /** The steering-only listener: every path is a 302 to an edge. */
    public static HttpHandler steering(SteeringSource steering, Consumer<Decision> steered) {
        return new SteeringHandler(steering, steered);
    }
}
