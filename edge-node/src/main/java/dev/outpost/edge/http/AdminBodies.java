package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;

/** Reads admin request bodies whole, within the limit the route's {@link BodyLimitHandler} set. */
final class AdminBodies {
    /** JSON bodies of the admin API (purges, prefetches, certificate uploads). */
    static final int MAX_JSON_BYTES = 1024 * 1024;

    private AdminBodies() {
    }

    /** The body, at most {@code limit} bytes; 413 {@code body_too_large} beyond. */
    static byte[] read(HttpServerExchange exchange, long limit) throws IOException {
        byte[] body = exchange.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (body.length > limit) {
            throw new ApiException(413, "body_too_large", "request bodies here are limited to " + limit + " bytes");
        }
        return body;
    }
}
