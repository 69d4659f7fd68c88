package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * Bounds the request body of admin API calls: JSON calls to {@code limits.maxApiBodyBytes}, object uploads
 * ({@code /_edge/objects}) to {@code cache.maxObjectBytes}. A declared larger Content-Length is refused with 413
 * before a byte is read, and a chunked body is cut off by Undertow at the same size.
 */
final class BodyLimitHandler implements HttpHandler {
    private final long maxApiBytes;
    private final long maxObjectBytes;
    private final HttpHandler next;

    BodyLimitHandler(long maxApiBytes, long maxObjectBytes, HttpHandler next) {
        this.maxApiBytes = maxApiBytes;
        this.maxObjectBytes = maxObjectBytes;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        long maxBytes = exchange.getRelativePath().startsWith("/_edge/objects") ? maxObjectBytes : maxApiBytes;
        long declared = exchange.getRequestContentLength();
        if (declared > maxBytes) {
            exchange.setPersistent(false); // the unread body must not be parsed as the next request
            throw new ApiException(413, "body_too_large", "request bodies here are limited to " + maxBytes
                    + " bytes, this one declares " + declared);
        }
        exchange.setMaxEntitySize(maxBytes);
        next.handleRequest(exchange);
    }
}
