package dev.outpost.common.http.accesslog;

import dev.outpost.common.trace.TraceContext;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import java.time.Instant;
import java.util.List;

/**
 * Outermost handler of every listener with an {@link AccessLog}: takes the request's trace context (the caller's
 * {@code traceparent} when valid, else a new trace; a new span id for this node), attaches its {@link AccessRecord},
 * adds {@code Server-Timing} as the response commits when the node asks for it, and writes the line when the
 * exchange completes (after the node's own completion listeners, which run first and may still add to the record).
 */
final class AccessLogHandler implements HttpHandler {
    static final HttpString TRACEPARENT = new HttpString("traceparent");
    static final HttpString TRACESTATE = new HttpString("tracestate");
    static final HttpString SERVER_TIMING = new HttpString("Server-Timing");
    static final HttpString REQUEST_ID = new HttpString("X-Request-Id");

    private final AccessLog log;
    private final HttpHandler next;

    AccessLogHandler(AccessLog log, HttpHandler next) {
        this.log = log;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        long start = System.nanoTime();
        HeaderMap headers = exchange.getRequestHeaders();
        TraceContext trace = TraceContext.receive(lines(headers.get(TRACEPARENT)), lines(headers.get(TRACESTATE)));
        // The wall clock only for a line that is written: reading it is a native call (1 % of an edge's CPU).
        Instant received = log.writes() ? log.clock().instant() : Instant.EPOCH;
        AccessRecord record = new AccessRecord(received, start, trace,
                AccessLog.requestId(headers.getFirst(REQUEST_ID), trace));
        exchange.putAttachment(AccessRecord.KEY, record);
        if (log.serverTiming()) {
            exchange.addResponseCommitListener(ex -> ex.getResponseHeaders().add(SERVER_TIMING,
                    AccessLog.serverTiming(record, System.nanoTime())));
        }
        if (log.writes()) {
            exchange.addExchangeCompleteListener((ex, nextListener) -> {
                try {
                    log.write(ex, record, System.nanoTime());
                } finally {
                    nextListener.proceed();
                }
            });
        }
        next.handleRequest(exchange);
    }

    private static List<String> lines(HeaderValues values) {
        return values == null ? List.of() : values;
    }
}
