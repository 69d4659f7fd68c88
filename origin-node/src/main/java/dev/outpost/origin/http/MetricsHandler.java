package dev.outpost.origin.http;

import dev.outpost.origin.replication.ReplicationMetrics;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** {@code GET /_origin/metrics}: the Prometheus text exposition, without a token (as the edge's). */
final class MetricsHandler implements HttpHandler {
    private final ReplicationMetrics metrics;

    MetricsHandler(ReplicationMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        byte[] text = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.setResponseContentLength(text.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(text));
    }
}
