package dev.outpost.edge.http;

import dev.outpost.common.http.accesslog.AccessRecord;
import dev.outpost.edge.metrics.EdgeMetrics;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * First handler of the edge's pipelines: attaches the request's {@link RequestRecord} and, when the exchange
 * completes, records the metrics from its outcome, the value the access log writes too (the listener's
 * {@link dev.outpost.common.http.accesslog.AccessLog}, to which the record hands its outcome and origin time).
 */
public final class OutcomeHandler implements HttpHandler {
    private final EdgeMetrics metrics;
    private final HttpHandler next;

    public OutcomeHandler(EdgeMetrics metrics, HttpHandler next) {
        this.metrics = metrics;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        Counted record = new Counted(System.nanoTime(), AccessRecord.of(exchange));
        metrics.requestStarted();
        exchange.putAttachment(RequestRecord.KEY, record);
        exchange.addExchangeCompleteListener(record);
        next.handleRequest(exchange);
    }

    /** The request's record, and its completion listener: one object per request. */
    private final class Counted extends RequestRecord implements ExchangeCompletionListener {
        Counted(long startNanos, java.util.Optional<AccessRecord> access) {
            super(startNanos, access);
        }

        @Override
        public void exchangeEvent(HttpServerExchange ex, NextListener nextListener) {
            try {
                metrics.requestEnded(System.nanoTime() - startNanos);
                long bytes = ex.getResponseBytesSent();
                dev.outpost.edge.origin.Route route = ex.getAttachment(RouteHandler.ROUTE);
                status().ifPresent(status -> {
                    if (route == null) {
                        metrics.recordRequest(status, bytes);
                    } else {
                        metrics.recordRequest(status, bytes, route.service().name(), ex.getStatusCode());
                    }
                });
            } finally {
                nextListener.proceed();
            }
        }
    }
}
