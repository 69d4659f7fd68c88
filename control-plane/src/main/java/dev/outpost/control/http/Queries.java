package dev.outpost.control.http;

import io.undertow.server.HttpServerExchange;
import java.util.Deque;
import java.util.Optional;

/** Reads query parameters of API calls. */
final class Queries {
    private Queries() {
    }

    /** The first value of {@code ?name=}, if given. */
    static Optional<String> first(HttpServerExchange exchange, String name) {
        Deque<String> values = exchange.getQueryParameters().get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }
}
