package dev.outpost.origin.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.origin.content.MasterStore;
import dev.outpost.origin.content.PathRules;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/** Serves master copies with GET and HEAD. (Being written: validators, conditional requests, Range.) */
final class ContentHandler implements HttpHandler {
    private final MasterStore store;
    private final PathRules rules;

    ContentHandler(MasterStore store, PathRules rules) {
        this.store = store;
        this.rules = rules;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        throw new ApiException(501, "not_implemented", "content serving is being written");
    }
}
