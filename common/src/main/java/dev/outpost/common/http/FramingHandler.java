package dev.outpost.common.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * Closes the connection after every request with a chunked (Transfer-Encoding) body. Undertow 2.4.4 refuses
 * Content-Length together with Transfer-Encoding, duplicate Content-Lengths and bad chunk sizes on its own, but
 * tolerates junk between a chunk's data and its CRLF and bare-LF chunk lines; a proxy in front of the node may
 * read those bodies differently. Never reading another request from such a connection leaves nothing to smuggle.
 */
public final class FramingHandler implements HttpHandler {
    private final HttpHandler next;

    public FramingHandler(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING)) {
            exchange.setPersistent(false);
        }
        next.handleRequest(exchange);
    }
}
