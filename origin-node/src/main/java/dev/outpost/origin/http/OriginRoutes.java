package dev.outpost.origin.http;

import dev.outpost.common.auth.FailedAuthLimiter;
import dev.outpost.common.http.ApiDescription;
import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.FailedAuthGuard;
import dev.outpost.common.http.RouteTable;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.BlockingHandler;
import java.util.Set;

/**
 * The origin's port as tables: {@code /_origin/health}, {@code /_origin/metrics} and the OpenAPI document
 * {@code /_origin/openapi.json} without a token, the asset API under {@code /_origin/assets} and the replication
 * API under {@code /_origin/replication} behind the failed-auth budget (one for both; a wrong token is 403 here, a
 * missing one 401, both spend it) and the token, each with its own table (405 with {@code Allow}, 404); any other
 * {@code /_origin} path is a 404, everything else content.
 * Content paths are confined separately (RequestPaths) on the raw target; any spelling that reaches an API still
 * needs its token.
 */
final class OriginRoutes {
    static final String ASSETS = "/_origin/assets";
    /** The port's OpenAPI document (a resource of this jar), served at {@code /_origin/openapi.json}. */
    static final String OPENAPI = "openapi/origin.json";

    private OriginRoutes() {
    }

    static RouteTable table(HealthHandler health, HttpHandler metrics, AssetEndpoints assets,
            ReplicationEndpoints replication, ApiToken token, FailedAuthLimiter failedAuth, HttpHandler content) {
        // Only the asset API reads bodies as streams (blocking); the replication API parks long polls instead.
        HandlerWrapper guarded = next -> new FailedAuthGuard(failedAuth, Set.of(401, 403), next);
        RouteTable assetApi = RouteTable.builder()
                .around(guarded, BlockingHandler::new, assets.lingering(), token::wrap)
                .ignoringEmptySegments() // as content paths: "//" and a trailing "/" name one place
                .route("GET, HEAD", ASSETS, assets::list)
                .route("GET, HEAD", ASSETS + "/{path...}", assets::show, AssetEndpoints.confined())
                .route("PUT", ASSETS + "/{path...}", assets::put, AssetEndpoints.confined(), assets.primaryOnly())
                .route("DELETE", ASSETS + "/{path...}", assets::delete, AssetEndpoints.confined(),
                        assets.primaryOnly())
                .notFound(exchange -> "no such origin endpoint: " + exchange.getRequestPath())
                .build();
        String base = ReplicationEndpoints.BASE;
        RouteTable replicationApi = RouteTable.builder()
                .around(guarded, token::wrap)
                .route("GET", base, replication::status)
                .route("GET", base + "/", replication::status)
                .route("GET", base + "/changes", replication::changes)
                .route("POST", base + "/promote", replication::promote)
                .notFound(exchange -> "no such replication endpoint: " + exchange.getRequestPath())
                .build();
        return RouteTable.builder()
                .route("GET, HEAD", "/_origin/health", health)
                .route("GET, HEAD", "/_origin/metrics", metrics)
                .route("GET", "/_origin/openapi.json", ApiDescription.of(OPENAPI))
                .any(ASSETS, assetApi)
                .any(ASSETS + "/{path...}", assetApi)
                .any(base, replicationApi)
                .any(base + "/{rest...}", replicationApi)
                .otherwise(exchange -> {
                    if (exchange.getRequestPath().startsWith("/_origin")) {
                        throw ApiException.notFound("no such origin endpoint: " + exchange.getRequestPath());
                    }
                    content.handleRequest(exchange);
                })
                .build();
    }
}
