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
