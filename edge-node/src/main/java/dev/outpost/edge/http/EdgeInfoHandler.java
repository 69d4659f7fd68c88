package dev.outpost.edge.http;

import dev.outpost.common.http.HttpJson;
import dev.outpost.common.http.MetricsEndpoint;
import dev.outpost.edge.metrics.EdgeMetrics;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.function.Supplier;

/**
 * Answers {@code /_edge/health} (JSON) and {@code /_edge/metrics} (Prometheus text) on the public listener, whatever
 * the Host; everything else goes on. The admin listener routes the same two answers from its table.
 */
public final class EdgeInfoHandler implements HttpHandler {
    /** A health answer that may say the node is stopping: it is then sent as 503, so balancers look elsewhere. */
    public interface Draining {
        boolean draining();
    }

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
            case "/_edge/health" -> health(health, exchange);
            case "/_edge/metrics" -> metrics(metrics, exchange);
            default -> next.handleRequest(exchange);
        }
    }

    /** {@code /_edge/health}: the node's health as JSON; 503 once it is stopping (draining). */
    static void health(Supplier<Object> health, HttpServerExchange exchange) {
        Object answer = health.get();
        boolean draining = answer instanceof Draining d && d.draining();
        if (draining) {
            // Health flips to draining a moment before the listener's own drain marks answers Connection: close;
            // a 503 draining answer closes its connection itself, so no client is told to leave and kept alive.
            exchange.setPersistent(false);
        }
        HttpJson.send(exchange, draining ? 503 : 200, answer);
    }

    /** {@code /_edge/metrics}: the Prometheus exposition, in the format the scraper accepts. */
    static void metrics(EdgeMetrics metrics, HttpServerExchange exchange) throws Exception {
        new MetricsEndpoint(metrics.registry()).handleRequest(exchange);
    }
}
