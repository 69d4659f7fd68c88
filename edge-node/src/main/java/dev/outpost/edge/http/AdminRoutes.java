package dev.outpost.edge.http;

import dev.outpost.common.auth.FailedAuthLimiter;
import dev.outpost.common.http.ApiDescription;
import dev.outpost.common.http.FailedAuthGuard;
import dev.outpost.common.http.HttpJson;
import dev.outpost.common.http.RouteTable;
import dev.outpost.common.wire.EdgeAdmin;
import dev.outpost.edge.cache.Pusher;
import dev.outpost.edge.control.Invalidations;
import dev.outpost.edge.tls.UploadedCertificates;
import io.undertow.server.HandlerWrapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The admin API as a table. Every request first passes, in order: on a mutual-TLS admin listener the check that the
 * client is the control plane ({@link ControlPlaneOnlyHandler}), then the body limit ({@link BodyLimitHandler}:
 * object uploads up to {@code cache.maxObjectBytes}, everything else up to {@code limits.maxApiBodyBytes}). Health
 * and metrics answer without a token; every other path passes the failed-auth budget (429 once a client address
 * spent it) and the admin token ({@link AdminToken}) before its route, or its 404, is even looked up; the OpenAPI
 * document ({@code /_edge/openapi.json}) too, since without the token nobody learns which admin paths exist.
 */
final class AdminRoutes {
    /** The admin API's OpenAPI document (a resource of this jar), served at {@code /_edge/openapi.json}. */
    static final String OPENAPI = "openapi/edge-admin.json";

    private AdminRoutes() {
    }

    static RouteTable table(EdgeHandlers.Parts p, String token, Invalidations invalidations, Pusher pusher,
            Optional<UploadedCertificates> uploads, boolean controlPlaneOnly) {
        InvalidationEndpoints entries = new InvalidationEndpoints(invalidations);
        ObjectsEndpoint objects = new ObjectsEndpoint(p.routes(), pusher, p.maxObjectBytes());
        CertificateEndpoints certificates = new CertificateEndpoints(uploads);
        FailedAuthLimiter failedAuth = new FailedAuthLimiter(p.limits().listener().failedAuth(), p.clock());
        RouteTable commands = RouteTable.builder()
                .around(next -> new FailedAuthGuard(failedAuth, Set.of(401), next), new AdminToken(token))
                .notFound(exchange -> "no admin endpoint " + exchange.getRequestPath())
                .route("GET", "/_edge/openapi.json", ApiDescription.of(OPENAPI))
                .route("GET", "/_edge/origins", exchange -> HttpJson.send(exchange, 200,
                        OriginsView.of(p.client().health(), p.routes().current())))
                .route("POST", "/_edge/purge", entries::purge)
                .route("POST", "/_edge/prefetch", entries::prefetch)
                .route("POST", EdgeAdmin.CONFIG_PATH, entries::config)
                .route("PUT", "/_edge/objects", objects::put)
                .route("GET", "/_edge/certificates", certificates::list, certificates.configured())
                .route("PUT", "/_edge/certificates/{host...}", certificates::put, certificates.configured())
                .route("DELETE", "/_edge/certificates/{host...}", certificates::remove, certificates.configured())
                .build();
        List<HandlerWrapper> everyRequest = new ArrayList<>();
        if (controlPlaneOnly) {
            everyRequest.add(ControlPlaneOnlyHandler::new);
        }
        everyRequest.add(next -> new BodyLimitHandler(p.limits().maxApiBodyBytes(), p.maxObjectBytes(), next));
        return RouteTable.builder()
                .around(everyRequest.toArray(HandlerWrapper[]::new))
                .route("GET, HEAD", "/_edge/health", exchange -> EdgeInfoHandler.health(p.health(), exchange))
                .route("GET, HEAD", "/_edge/metrics", exchange -> EdgeInfoHandler.metrics(p.metrics(), exchange))
                .otherwise(commands)
                .build();
    }
}
