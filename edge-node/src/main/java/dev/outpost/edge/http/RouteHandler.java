package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.origin.Route;
import dev.outpost.edge.origin.Routes;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;

/** Maps the request's Host to a delivery service and attaches it; 404 when none matches, never a fetch. */
public final class RouteHandler implements HttpHandler {
    static final AttachmentKey<Route> ROUTE = AttachmentKey.create(Route.class);

    private final Routes routes;
    private final HttpHandler next;

    public RouteHandler(Routes routes, HttpHandler next) {
        this.routes = routes;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String host = exchange.getHostName();
        Route route = routes.find(host).orElseThrow(() -> {
            RequestRecord record = exchange.getAttachment(RequestRecord.KEY);
            if (record != null) {
                record.status(CacheStatus.ERROR);
            }
            return new ApiException(404, "unknown_host", "this edge serves no delivery service for host '" + host
                    + "'");
        });
        exchange.putAttachment(ROUTE, route);
        next.handleRequest(exchange);
    }
}
