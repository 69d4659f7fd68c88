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
 * Outermost handler of every listener with an {@link AccessLog}: attaches the request's {@link AccessRecord} with
 * what its trace context is made of (the caller's {@code traceparent} when valid, else a new trace; a new span id
 * for this node; made when first asked for),
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
        // The wall clock only for a line that is written: reading it is a native call (1 % of an edge's CPU).
        Instant received = log.writes() ? log.clock().instant() : Instant.EPOCH;
        // The trace context is made when first asked for (a line, a request upstream), from these field lines: a
        // hit that is not logged never draws ids (~240 B and two random draws per request).
        HeaderValues traceparent = headers.get(TRACEPARENT);
        HeaderValues tracestate = headers.get(TRACESTATE);
        String requestIdField = headers.getFirst(REQUEST_ID);
        AccessRecord record = new AccessRecord(received, start,
                () -> TraceContext.receive(lines(traceparent), lines(tracestate)),
                trace -> AccessLog.requestId(requestIdField, trace));
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
