package dev.outpost.edge.http;

import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.origin.ProxyHeaders;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;

/** Reads an exchange's request into the edge's own types. */
final class Requests {
    private Requests() {
    }

    static Fields fields(HttpServerExchange ex) {
        Fields.Builder b = Fields.builder();
        for (HeaderValues values : ex.getRequestHeaders()) {
            String name = values.getHeaderName().toString();
            for (String v : values) {
                b.add(name, v);
            }
        }
        return b.build();
    }

    static ProxyHeaders.Client client(HttpServerExchange ex) {
        return new ProxyHeaders.Client(ex.getSourceAddress().getAddress().getHostAddress(),
                ex.getRequestScheme());
    }

    /** The raw request target as the client sent it (path and query), for pass-through requests. */
    static String rawTarget(HttpServerExchange ex) {
        String query = ex.getQueryString();
        return ex.getRequestURI() + (query == null || query.isEmpty() ? "" : "?" + query);
    }
}
