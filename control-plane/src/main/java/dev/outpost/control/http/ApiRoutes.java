package dev.outpost.control.http;

import static dev.outpost.control.Scope.ADMIN;
import static dev.outpost.control.Scope.CONFIG;
import static dev.outpost.control.Scope.ENROLL;
import static dev.outpost.control.Scope.NODE;
import static dev.outpost.control.Scope.PURGE;
import static dev.outpost.control.Scope.PUSH;
import static dev.outpost.control.Scope.READ;
import static dev.outpost.control.Scope.STEERING;

import dev.outpost.common.auth.FailedAuthLimiter;
import dev.outpost.common.http.ApiDescription;
import dev.outpost.common.http.FailedAuthGuard;
import dev.outpost.common.http.RouteTable;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.assets.OriginWriter;
import dev.outpost.control.dns.DnsSteering;
import dev.outpost.control.assets.RecentWrites;
import dev.outpost.control.invalidation.Dispatcher;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.registry.Registry;
import dev.outpost.control.services.ServiceChanges;
import dev.outpost.control.stats.TrafficStats;
import dev.outpost.control.tls.NodeIssuer;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpHandler;
import java.util.Optional;
import java.util.Set;

/**
 * The REST API under {@code /api/v1} as one table per listener: each row is the method, the path, the endpoint (one
 * class per resource), then the wrapping handlers the call passes first, in order: which listener may take it, the
 * token's scope, the origin it names, its rate budget, its JSON body. Every call first passes the client's
 * failed-authentication budget (429 once spent, shared by both listeners). Runs on a worker thread (bodies are read
 * blocking and {@code ?wait=} blocks); errors become JSON in the error mapping around it.
 */
final class ApiRoutes {
    /**
     * The API's OpenAPI document (a resource of this jar), served at {@code /api/v1/openapi.json} without a token:
     * it is the published contract, the same for every control plane, and names no secret or configured value.
     */
    static final String OPENAPI = "openapi/control-plane.json";

    private final ControlPlaneConfig config;
    private final Auth auth;
    private final RateLimiter rateLimiter;
    private final FailedAuthLimiter failedAuth;
    private final Origins origins;
    private final EntryEndpoints entries;
    private final OriginEventsEndpoint originEvents;
    private final AssetsEndpoint assets;
    private final CaEndpoints ca;
    private final RouteEndpoint route;
    private final SteeringStateEndpoint steeringState;
    private final DeadLetterEndpoints deadLetters;
    private final ServiceEndpoints services;
    private final TrafficStats traffic;
    private final StatsEndpoint stats;
    private final Registry registry;
    private final HttpHandler metrics;
    private final boolean tls;
    private final ApiDescription document = ApiDescription.of(OPENAPI);
    private final Dashboard dashboard = new Dashboard();

    /** The parts both listeners' tables share: one rate limiter, one failed-auth budget, one memory of uploads. */
    ApiRoutes(ControlPlaneConfig config, InvalidationLog log, Dispatcher dispatcher, ServiceChanges services,
            Registry registry,
            SteeringHandler steering, DnsSteering dnsSteering, SteeringStateEndpoint steeringState,
            OriginWriter originWriter, RecentWrites recentWrites,
            RateLimiter rateLimiter, FailedAuthLimiter failedAuth, Optional<NodeIssuer> issuer, HttpHandler metrics,
            TrafficStats traffic, java.time.Clock clock) {
        this.config = config;
        this.auth = new Auth(config.tokens());
        this.rateLimiter = rateLimiter;
        this.failedAuth = failedAuth;
        this.origins = new Origins(config.origins());
        java.util.function.Predicate<String> shield = id -> registry.node(id)
                .map(dev.outpost.control.registry.Node::isShield).orElse(false);
        this.entries = new EntryEndpoints(config, log, dispatcher, shield);
        this.originEvents = new OriginEventsEndpoint(log, dispatcher, recentWrites);
        this.assets = new AssetsEndpoint(originWriter, recentWrites, dispatcher);
        this.ca = new CaEndpoints(config, issuer, id -> registry.node(id).filter(registry::healthy).isPresent()
                || config.origins().stream().anyMatch(o -> o.id().equals(id)));
        this.route = new RouteEndpoint(steering, dnsSteering, config.dns().map(d -> d.answers()).orElse(1));
        this.steeringState = steeringState;
        this.registry = registry;
        this.deadLetters = new DeadLetterEndpoints(log, dispatcher, registry, services.store());
        this.services = new ServiceEndpoints(services, log, shield);
        this.traffic = traffic;
        this.stats = new StatsEndpoint(traffic, clock);
        this.metrics = metrics;
        this.tls = issuer.isPresent();
    }

    /** The table of the API listener ({@code nodeListener} false) or of the mutual-TLS node listener. */
    RouteTable table(boolean nodeListener) {
        ListenerRules listener = new ListenerRules(config, tls, nodeListener);
        NodeEndpoints nodes = new NodeEndpoints(config, registry, listener, traffic);
        HandlerWrapper json = JsonBody.limit(JsonBody.MAX_BYTES);
        ControlPlaneConfig.RateLimits budget = config.rateLimits();
        return RouteTable.builder()
                .around(next -> new FailedAuthGuard(failedAuth, Set.of(401), next))
                .route("POST", "/api/v1/purges", entries::purge,
                        auth.scope(PURGE), rateLimiter.onAccept("purge", budget.purgesPerMinute()), json)
                .route("GET", "/api/v1/purges", ex -> entries.listing(ex, Kind.PURGE), auth.scope(READ))
                .route("GET", "/api/v1/purges/{id}", ex -> entries.show(ex, Kind.PURGE), auth.scope(READ))
                .route("POST", "/api/v1/pushes", entries::push,
                        auth.scope(PUSH), rateLimiter.onAccept("push", budget.pushesPerMinute()), json)
                .route("GET", "/api/v1/pushes", ex -> entries.listing(ex, Kind.PUSH), auth.scope(READ))
                .route("GET", "/api/v1/pushes/{id}", ex -> entries.show(ex, Kind.PUSH), auth.scope(READ))
                .route("GET", "/api/v1/services", services::list, auth.scope(READ, CONFIG))
                .route("GET", "/api/v1/services/{name}", services::show, auth.scope(READ, CONFIG))
                .route("PUT", "/api/v1/services/{name}", services::put, auth.scope(CONFIG), json)
                .route("DELETE", "/api/v1/services/{name}", services::delete, auth.scope(CONFIG))
                .route("GET", "/api/v1/services/{name}/versions", services::history, auth.scope(READ, CONFIG))
                .route("GET", "/api/v1/services/{name}/versions/{version}", services::version,
                        auth.scope(READ, CONFIG))
                .route("GET", "/api/v1/services/{name}/diff", services::diff, auth.scope(READ, CONFIG))
                .route("POST", "/api/v1/services/{name}/rollback", services::rollback, auth.scope(CONFIG))
                .route("GET", "/api/v1/dead-letters", deadLetters::list, auth.scope(READ))
                .route("POST", "/api/v1/dead-letters/{sequence}/{node}/retry", deadLetters::retry,
                        auth.scope(PURGE, PUSH, CONFIG))
                .route("POST", "/api/v1/dead-letters/{sequence}/{node}/discard", deadLetters::discard,
                        auth.scope(PURGE, PUSH, CONFIG))
                .route("GET", "/api/v1/stats", stats::stats, auth.scope(READ))
                .route("GET", "/api/v1/nodes", nodes::list, auth.scope(READ))
                .route("POST", "/api/v1/nodes/register", nodes::register,
                        listener.nodeListenerOnly(), auth.scope(NODE), json)
                .route("POST", "/api/v1/nodes/{id}/heartbeat", nodes::heartbeat,
                        listener.nodeListenerOnly(), auth.scope(NODE), listener.certifiedAs("id", "heartbeat as node"),
                        json)
                .route("DELETE", "/api/v1/nodes/{id}", nodes::remove, auth.scope(ADMIN))
                .route("POST", "/api/v1/origin-events", originEvents::notice,
                        listener.originEvents(), auth.scope(NODE, PURGE), origins.named(),
                        listener.certifiedOrigin("send change notices for origin"),
                        rateLimiter.onAccept("send change notices", budget.originEventsPerMinute()), json)
                .route("PUT", AssetsEndpoint.PREFIX + "/{path...}", assets::put,
                        auth.scope(PUSH), origins.named(), rateLimiter.upFront("push", budget.pushesPerMinute()))
                .route("POST", "/api/v1/join-tokens", ca::createToken, auth.scope(ADMIN, ENROLL), ca.configured(), json)
                .route("POST", "/api/v1/join", ca::join, ca.configured(), json)
                .route("POST", "/api/v1/certificates/renew", ca::renew, ca.configured(), ca.clientCertificate(), json)
                .route("GET", "/api/v1/ca", ca::show, ca.configured())
                .route("GET", "/api/v1/route", route::route, auth.scope(READ))
                .route("GET", "/api/v1/steering/state", steeringState::state, auth.scope(STEERING))
                // without a token, as the edge's and the origin's metrics: see docs/security.md
                .route("GET, HEAD", "/api/v1/metrics", metrics)
                .route("GET", "/api/v1/openapi.json", document)
                // the page and its files hold no data; what they show is read from the API above with scope read
                .route("GET, HEAD", Dashboard.PATH, dashboard::page)
                .route("GET, HEAD", Dashboard.PATH + "/{asset}", dashboard::asset)
                .build();
    }
}
