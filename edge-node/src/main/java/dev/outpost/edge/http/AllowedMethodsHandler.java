package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.edge.cache.Outcome;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.List;
import java.util.Set;

/**
 * Refuses, with 405 (and {@code Allow}) before routing, TRACE and CONNECT always and, when
 * {@code limits.allowedMethods} lists methods, every method not listed; so those never cause a fetch. Without a
 * list every other method, extension methods included, goes on to the origin.
 */
final class AllowedMethodsHandler implements HttpHandler {
    /** Never passed on: an edge is not a tunnel, and TRACE would echo other clients' credentials (XST). */
    private static final Set<String> NEVER = Set.of("TRACE", "CONNECT");
    /** The Allow of a 405 without a list: the methods every origin knows (extension methods pass too). */
    private static final String COMMON = "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE";

    private final Set<String> allowed;
    private final String allowHeader;
    private final HttpHandler next;

    AllowedMethodsHandler(List<String> allowed, HttpHandler next) {
        this.allowed = Set.copyOf(allowed);
        this.allowHeader = allowed.isEmpty() ? COMMON : String.join(", ", allowed);
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String method = exchange.getRequestMethod().toString();
        if (NEVER.contains(method) || !allowed.isEmpty() && !allowed.contains(method)) {
            RequestRecord record = exchange.getAttachment(RequestRecord.KEY);
            if (record != null) {
                record.status(Outcome.ERROR);
            }
            throw new ApiException(405, "method_not_allowed", "this edge does not accept " + method
                    + "; allowed: " + (allowed.isEmpty() ? "any method but TRACE and CONNECT" : allowHeader))
                    .withHeader("Allow", allowHeader);
        }
        next.handleRequest(exchange);
    }
}
