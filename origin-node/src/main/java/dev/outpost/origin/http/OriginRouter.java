package dev.outpost.origin.http;

import dev.outpost.common.http.ApiException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * Splits the origin's port: {@code /_origin/health}, {@code /_origin/metrics}, the asset API under
 * {@code /_origin/assets}, the replication API under {@code /_origin/replication}, and content for everything else. Content paths are confined separately (RequestPaths) on the raw target; any spelling that
 * reaches the API still needs its token.
 */
final class OriginRouter implements HttpHandler {
    static final String HEALTH = "/_origin/health";
    static final String METRICS = "/_origin/metrics";
    static final String ASSETS = "/_origin/assets";

    private final HttpHandler health;
    private final HttpHandler metrics;
    private final HttpHandler assets;
    private final HttpHandler replication;
    private final HttpHandler content;

    OriginRouter(HttpHandler health, HttpHandler metrics, HttpHandler assets, HttpHandler replication,
            HttpHandler content) {
        this.health = health;
        this.metrics = metrics;
        this.assets = assets;
        this.replication = replication;
        this.content = content;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String raw = exchange.getRequestPath();
        if (!raw.startsWith("/_origin")) {
            content.handleRequest(exchange);
        } else if (raw.equals(HEALTH)) {
            health.handleRequest(exchange);
        } else if (raw.equals(METRICS)) {
            metrics.handleRequest(exchange);
        } else if (raw.equals(ASSETS) || raw.startsWith(ASSETS + "/")) {
            assets.handleRequest(exchange);
        } else if (raw.equals(ReplicationHandler.BASE) || raw.startsWith(ReplicationHandler.BASE + "/")) {
            replication.handleRequest(exchange);
        } else {
            throw ApiException.notFound("no such origin endpoint: " + raw);
        }
    }
}
