package dev.outpost.edge.http;

import dev.outpost.edge.metrics.EdgeMetrics;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;

/**
 * Outermost handler: attaches the request's {@link RequestRecord} and, when the exchange completes, writes one
 * access-log line and records the metrics from the same outcome value.
 */
public final class AccessLogHandler implements HttpHandler {
    private static final Logger ACCESS = System.getLogger("dev.outpost.edge.access");

    private final Clock clock;
    private final EdgeMetrics metrics;
    private final HttpHandler next;

    public AccessLogHandler(Clock clock, EdgeMetrics metrics, HttpHandler next) {
        this.clock = clock;
        this.metrics = metrics;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        Logged record = new Logged(System.nanoTime());
        metrics.requestStarted();
        exchange.putAttachment(RequestRecord.KEY, record);
        exchange.addExchangeCompleteListener(record);
        next.handleRequest(exchange);
    }

    /** The request's record, and its completion listener: one object per request. */
    private final class Logged extends RequestRecord implements ExchangeCompletionListener {
        Logged(long startNanos) {
            super(startNanos);
        }

        @Override
        public void exchangeEvent(HttpServerExchange ex, NextListener nextListener) {
            try {
                long totalNanos = System.nanoTime() - startNanos;
                metrics.requestEnded(totalNanos);
                long totalMillis = totalNanos / 1_000_000;
                long bytes = ex.getResponseBytesSent();
                dev.outpost.edge.origin.Route route = ex.getAttachment(RouteHandler.ROUTE);
                status().ifPresent(status -> {
                    if (route == null) {
                        metrics.recordRequest(status, bytes);
                    } else {
                        metrics.recordRequest(status, bytes, route.service().name(), ex.getStatusCode());
                    }
                });
                if (ACCESS.isLoggable(Level.INFO)) {
                    ACCESS.log(Level.INFO, clock.instant() + " " + ex.getSourceAddress().getAddress().getHostAddress()
                            + " " + ex.getRequestMethod() + " " + ex.getHostName() + " " + ex.getRequestURI()
                            + " " + ex.getStatusCode() + " " + bytes + " " + status().map(Enum::name).orElse("-")
                            + " origin=" + originMillis() + "ms total=" + totalMillis + "ms");
                }
            } finally {
                nextListener.proceed();
            }
        }
    }
}
