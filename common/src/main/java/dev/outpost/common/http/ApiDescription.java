package dev.outpost.common.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Serves a node's API description, the OpenAPI 3.1 document kept in the jar as a resource (e.g.
 * {@code openapi/control-plane.json}). The document is hand-written: it is the contract, and each node's contract
 * test checks it against the node's {@link RouteTable} and its real answers. Read once when the node starts, so a
 * jar without it fails at start-up naming the resource, not on the first request.
 */
public final class ApiDescription implements HttpHandler {
    private final byte[] document;

    private ApiDescription(byte[] document) {
        this.document = document;
    }

    /** The document at classpath {@code resource}; fails naming it when the jar lacks it. */
    public static ApiDescription of(String resource) {
        try (InputStream in = ApiDescription.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("API description " + resource + " is missing from the classpath");
            }
            return new ApiDescription(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read API description " + resource, e);
        }
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        // the document changes with the jar, not per request; a client may keep it but should ask again
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        exchange.setResponseContentLength(document.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(document));
    }
}
