package dev.outpost.common.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Wraps a node's API so that every request, once its answer is complete (errors mapped, body sent), is counted and
 * timed in {@code requests} and its response body bytes added to {@code bytes}, by method, route template (from the
 * {@link RouteTable} that took it, else {@code unmatched}) and status. Labels are bounded whatever clients send: a
 * route template, never the path; an unusual method is {@code OTHER}; a status is one of the codes a server sends.
 */
public final class RequestMeters implements HandlerWrapper {
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

    private final MeterRegistry registry;
    private final String requests;
    private final String bytes;
    private final String unmatched;

    /**
     * @param unmatched the route label of a request no table's route took (a 404, a 405, or content served outside
     *                  the tables)
     */
    public RequestMeters(MeterRegistry registry, String requests, String bytes, String unmatched) {
        this.registry = registry;
        this.requests = requests;
        this.bytes = bytes;
        this.unmatched = unmatched;
    }

    @Override
    public HttpHandler wrap(HttpHandler next) {
        return exchange -> {
            long started = System.nanoTime();
            exchange.addExchangeCompleteListener((done, nextListener) -> {
                try {
                    record(done, System.nanoTime() - started);
                } finally {
                    nextListener.proceed();
                }
            });
            next.handleRequest(exchange);
        };
    }

    private void record(HttpServerExchange exchange, long nanos) {
        String method = exchange.getRequestMethod().toString();
        Tags tags = Tags.of("method", METHODS.contains(method) ? method : "OTHER",
                "route", RouteTable.template(exchange).orElse(unmatched),
                "status", Integer.toString(exchange.getStatusCode()));
        Timer.builder(requests).description("requests answered, by method, route template and status").tags(tags)
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
        Counter.builder(bytes).baseUnit("bytes").description("response body bytes sent, by method, route template "
                + "and status").tags(tags).register(registry).increment(Math.max(0, exchange.getResponseBytesSent()));
    }
}
