package dev.outpost.edge.http;

import dev.outpost.common.http.accesslog.AccessRecord;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.origin.ProxyHeaders;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;

/** Reads an exchange's request into the edge's own types. */
final class Requests {
    private Requests() {
    }

    static Fields fields(HttpServerExchange ex) {
        HeaderMap headers = ex.getRequestHeaders();
        Fields.Builder b = Fields.builder(headers.size());
        // Undertow's cookie iteration: no iterator objects per request (this runs for every hit)
        for (long cookie = headers.fastIterateNonEmpty(); cookie != -1L; cookie = headers.fiNextNonEmpty(cookie)) {
            HeaderValues values = headers.fiCurrent(cookie);
            String name = values.getHeaderName().toString();
            for (int i = 0; i < values.size(); i++) {
                b.add(name, values.get(i));
            }
        }
        return b.build();
    }

    static ProxyHeaders.Client client(HttpServerExchange ex) {
        return new ProxyHeaders.Client(ex.getSourceAddress().getAddress().getHostAddress(),
                ex.getRequestScheme(), AccessRecord.of(ex).map(AccessRecord::trace));
    }

    /** The raw (undecoded) path, also when the client sent an absolute-form target ({@code GET http://h/p}). */
    static String rawPath(HttpServerExchange ex) {
        String uri = ex.getRequestURI();
        if (ex.isHostIncludedInRequestURI()) {
            int scheme = uri.indexOf("://");
            int slash = scheme < 0 ? -1 : uri.indexOf('/', scheme + 3);
            return slash < 0 ? "/" : uri.substring(slash);
        }
        return uri;
    }

    /** The raw request target as the client sent it (path and query), for pass-through requests. */
    static String rawTarget(HttpServerExchange ex) {
        String query = ex.getQueryString();
        return rawPath(ex) + (query == null || query.isEmpty() ? "" : "?" + query);
    }
}
