package dev.outpost.edge.http;

import dev.outpost.common.http.HttpJson;
import dev.outpost.edge.metrics.EdgeMetrics;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Answers {@code /_edge/health} (JSON) and {@code /_edge/metrics} (Prometheus text); everything else goes on. */
public final class EdgeInfoHandler implements HttpHandler {
    private final Supplier<Object> health;
    private final EdgeMetrics metrics;
    private final HttpHandler next;

    public EdgeInfoHandler(Supplier<Object> health, EdgeMetrics metrics, HttpHandler next) {
        this.health = health;
        this.metrics = metrics;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        switch (exchange.getRequestPath()) {
            case "/_edge/health" -> HttpJson.send(exchange, 200, health.get());
            case "/_edge/metrics" -> {
                byte[] text = metrics.scrape().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
                exchange.setResponseContentLength(text.length);
                exchange.getResponseSender().send(ByteBuffer.wrap(text));
            }
            default -> next.handleRequest(exchange);
        }
    }
}
