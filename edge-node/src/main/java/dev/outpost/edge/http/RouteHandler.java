package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.origin.Route;
import dev.outpost.edge.service.ServiceDirectory;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;

/**
 * Maps the request's Host to a delivery service and attaches it; 404 when none matches, never a fetch. A host
 * matches in any case and with or without the trailing dot of a fully qualified name. An absolute-form target
 * ({@code GET http://h/p}) must be http or https and name the same host as the Host header, else 400: the edge
 * never lets the two disagree about which service a request is for. The route is looked up in the configuration
 * current when the request arrives and attached: everything after it (cache key, signing, origins, header rules)
 * reads the attached route, so a configuration swapped meanwhile does not change a request half-way.
 */
public final class RouteHandler implements HttpHandler {
    static final AttachmentKey<Route> ROUTE = AttachmentKey.create(Route.class);

    private final ServiceDirectory routes;
    private final HttpHandler next;

    public RouteHandler(ServiceDirectory routes, HttpHandler next) {
        this.routes = routes;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String host = exchange.getHostName();
        // Undertow 2.4.4 answers 400 for most mismatches itself, but compares by prefix: a target naming
        // http://assets.example.com.evil.test/ with Host assets.example.com got through to a fetch.
        if (exchange.isHostIncludedInRequestURI()) {
            String uri = exchange.getRequestURI();
            if (!uri.regionMatches(true, 0, "http://", 0, 7) && !uri.regionMatches(true, 0, "https://", 0, 8)) {
                markError(exchange);
                throw ApiException.badRequest("bad_target", "an absolute request target must be http or https, "
                        + "was '" + uri.substring(0, Math.max(0, uri.indexOf(':'))) + "'");
            }
            String named = targetHost(uri);
            if (!DeliveryService.canonicalHost(named).equals(DeliveryService.canonicalHost(host))) {
                markError(exchange);
                throw ApiException.badRequest("bad_target", "the request target names host '" + named
                        + "' but Host is '" + host + "'");
            }
        }
        Route route = routes.find(host).orElseThrow(() -> {
            markError(exchange);
            return new ApiException(404, "unknown_host", "this edge serves no delivery service for host '" + host
                    + "'");
        });
        exchange.putAttachment(ROUTE, route);
        next.handleRequest(exchange);
    }

    private static void markError(HttpServerExchange exchange) {
        RequestRecord record = exchange.getAttachment(RequestRecord.KEY);
        if (record != null) {
            record.status(Outcome.ERROR);
        }
    }

    /** The host of an absolute-form target, without port; userinfo makes it unusable (empty). */
    static String targetHost(String absoluteUri) {
        int scheme = absoluteUri.indexOf("://");
        int start = scheme < 0 ? 0 : scheme + 3;
        int end = absoluteUri.indexOf('/', start);
        String authority = absoluteUri.substring(start, end < 0 ? absoluteUri.length() : end);
        if (authority.contains("@")) {
            return "";
        }
        int colon = authority.lastIndexOf(':');
        return colon > authority.lastIndexOf(']') ? authority.substring(0, colon) : authority;
    }
}
