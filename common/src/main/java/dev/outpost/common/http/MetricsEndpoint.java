package dev.outpost.common.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * {@code GET} (or {@code HEAD}) of a node's metrics: the registry's exposition in the format the scraper's
 * {@code Accept} asks for (OpenMetrics for Prometheus, else the Prometheus text format 0.0.4), chosen and written by
 * the Prometheus client library, never by hand. {@code refresh} runs first, for meters read from state at scrape
 * time (rows that come and go, such as one per edge).
 */
public final class MetricsEndpoint implements HttpHandler {
    private static final ExpositionFormats FORMATS = ExpositionFormats.init();

    private final PrometheusMeterRegistry registry;
    private final Runnable refresh;

    public MetricsEndpoint(PrometheusMeterRegistry registry) {
        this(registry, () -> { });
    }

    public MetricsEndpoint(PrometheusMeterRegistry registry, Runnable refresh) {
        this.registry = registry;
        this.refresh = refresh;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String accept = exchange.getRequestHeaders().getFirst(Headers.ACCEPT);
        ExpositionFormatWriter writer = accept == null ? FORMATS.getPrometheusTextFormatWriter()
                : FORMATS.findWriter(accept);
        refresh.run();
        ByteArrayOutputStream text = new ByteArrayOutputStream(16 * 1024);
        registry.scrape(text, writer.getContentType());
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, writer.getContentType());
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.setResponseContentLength(text.size());
        exchange.getResponseSender().send(ByteBuffer.wrap(text.toByteArray()));
    }
}
