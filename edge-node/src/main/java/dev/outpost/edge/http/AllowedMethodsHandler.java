package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.edge.cache.CacheStatus;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.List;
import java.util.Set;

/**
 * Refuses methods outside {@code limits.allowedMethods} with 405 (and {@code Allow}) before routing, so TRACE,
 * CONNECT and invented methods never cause a fetch.
 */
final class AllowedMethodsHandler implements HttpHandler {
    private final Set<String> allowed;
    private final String allowHeader;
    private final HttpHandler next;

    AllowedMethodsHandler(List<String> allowed, HttpHandler next) {
        this.allowed = Set.copyOf(allowed);
        this.allowHeader = String.join(", ", allowed);
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String method = exchange.getRequestMethod().toString();
        if (!allowed.contains(method)) {
            RequestRecord record = exchange.getAttachment(RequestRecord.KEY);
            if (record != null) {
                record.status(CacheStatus.ERROR);
            }
            throw new ApiException(405, "method_not_allowed", "this edge does not accept " + method
                    + "; allowed: " + allowHeader).withHeader("Allow", allowHeader);
        }
        next.handleRequest(exchange);
    }
}
