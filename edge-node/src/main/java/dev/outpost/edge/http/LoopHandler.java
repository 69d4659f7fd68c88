package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.origin.OutpostVia;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.Optional;

/**
 * Answers 508 Loop Detected (RFC 5842 §7.2, with the house JSON error body) to a request whose {@code Via} already
 * names this node, or a chain of Outpost nodes longer than any real path ({@link OutpostVia}): a request that came
 * back (an origin or shield list pointing at an edge) is never fetched again, so a loop ends at its first turn.
 */
final class LoopHandler implements HttpHandler {
    private final String self;
    private final HttpHandler next;

    LoopHandler(String self, HttpHandler next) {
        this.self = self;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        if (ex.getRequestHeaders().contains(io.undertow.util.Headers.VIA)) {
            Optional<String> loop = OutpostVia.loop(Requests.fields(ex), self);
            if (loop.isPresent()) {
                ResponseWriter.record(ex, Outcome.ERROR);
                throw new ApiException(508, "loop_detected", loop.get());
            }
        }
        next.handleRequest(ex);
    }
}
