package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import java.io.IOException;

/**
 * A route's JSON request body: {@link #limit} refuses any other Content-Type ({@code 415 unsupported_media_type}, so
 * a form a browser posts cross-site is never parsed) and a body past the limit ({@code 413 body_too_large}, the
 * connection closed since the rest stays unread), reads the rest whole and attaches it; the endpoint parses it with
 * {@link #read} or takes the bytes ({@link #bytes}, for the Idempotency-Key fingerprint).
 */
final class JsonBody {
    /** Every JSON body of the API: purges, pushes, registrations, heartbeats, joins. */
    static final int MAX_BYTES = 1024 * 1024;
    private static final AttachmentKey<byte[]> BODY = AttachmentKey.create(byte[].class);

    private JsonBody() {
    }

    /** The wrapper that reads a JSON body of at most {@code maxBytes}. */
    static HandlerWrapper limit(int maxBytes) {
        return next -> exchange -> {
            HttpJson.requireJsonContentType(exchange);
            exchange.putAttachment(BODY, bytes(exchange, maxBytes));
            next.handleRequest(exchange);
        };
    }

    /** The body {@link #limit} read. */
    static byte[] bytes(HttpServerExchange exchange) {
        byte[] body = exchange.getAttachment(BODY);
        if (body == null) {
            throw new IllegalStateException(exchange.getRequestPath() + " has no JSON body in the route table");
        }
        return body;
    }

    /** The body as a {@code type}; 400 {@code bad_json} naming the problem, for an empty or null body too. */
    static <T> T read(HttpServerExchange exchange, Class<T> type) {
        byte[] bytes = bytes(exchange);
        if (bytes.length == 0) {
            throw ApiException.badRequest("bad_json", "request body is empty; expected a JSON object");
        }
        T value = HttpJson.read(bytes, type);
        if (value == null) {
            throw ApiException.badRequest("bad_json", "request body is null; expected a JSON object");
        }
        return value;
    }

    /** The whole request body, at most {@code max} bytes (413 {@code body_too_large} beyond). */
    private static byte[] bytes(HttpServerExchange exchange, int max) throws IOException {
        if (!exchange.isBlocking()) {
            exchange.startBlocking();
        }
        long declared = exchange.getRequestContentLength();
        if (declared > max) {
            exchange.setPersistent(false); // the unread body must not be taken for the next request
            throw new ApiException(413, "body_too_large", "request body is larger than " + max + " bytes");
        }
        byte[] bytes = exchange.getInputStream().readNBytes(max + 1);
        if (bytes.length > max) {
            exchange.setPersistent(false);
            throw new ApiException(413, "body_too_large", "request body is larger than " + max + " bytes");
        }
        return bytes;
    }
}
