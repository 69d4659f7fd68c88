package dev.outpost.common.http;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ErrorBody;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import tools.jackson.core.JacksonException;

/** Writes JSON answers (bodies and errors) on an exchange; the one place that sets their headers. */
public final class HttpJson {
    private HttpJson() {
    }

    public static void send(HttpServerExchange exchange, int status, Object body) {
        byte[] bytes = Json.bytes(body);
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.setResponseContentLength(bytes.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
    }

    public static void sendError(HttpServerExchange exchange, int status, String code, String message) {
        send(exchange, status, new ErrorBody(code, message));
    }

    /**
     * Refuses a request body that does not say it is JSON: {@code 415 unsupported_media_type} unless Content-Type
     * is {@code application/json} or a {@code +json} type (RFC 6839), parameters such as charset allowed. A form
     * or text/plain body (what a browser sends cross-site without a preflight) is never parsed as an API call.
     */
    public static void requireJsonContentType(HttpServerExchange exchange) {
        String type = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
        boolean json = media.equals("application/json") || (media.startsWith("application/")
                && media.endsWith("+json"));
        if (!json) {
            exchange.setPersistent(false); // the body stays unread
            throw new ApiException(415, "unsupported_media_type", "request body must be JSON with Content-Type:"
                    + " application/json, was " + (type == null ? "no Content-Type" : "'" + type + "'"))
                    .withHeader("Accept", "application/json");
        }
    }

    /** Reads a JSON request body (already fully read into memory) into a record; 400 naming the problem if not. */
    public static <T> T read(byte[] body, Class<T> type) {
        try {
            return Json.mapper().readValue(body, type);
        } catch (JacksonException e) {
            throw ApiException.badRequest("bad_json", "request body is not valid: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_json", "request body is not valid: " + e.getMessage());
        }
    }
}
