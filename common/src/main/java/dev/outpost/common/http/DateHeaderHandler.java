package dev.outpost.common.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ResponseCommitListener;
import io.undertow.util.Headers;
import java.time.Instant;

/**
 * Gives every response a {@code Date} (when the handlers set none), as it is committed. Replaces Undertow's
 * {@code ALWAYS_SET_DATE}, whose date string is cached JVM-wide and refreshed by a task scheduled on the IO thread
 * of whichever server last set it: once that server stopped, every other server in the JVM kept sending the same
 * old Date, so an edge saw fresh origin responses as minutes old (stale at once) after any node restart in the
 * JVM ({@code outpost local}, the system tests).
 */
final class DateHeaderHandler implements HttpHandler {
    /** The Date text of one whole second; recomputed by whichever request first sees the next second. */
    private record Stamp(long epochSecond, String text) {
    }

    private static volatile Stamp stamp = new Stamp(Long.MIN_VALUE, "");

    private static final ResponseCommitListener SET_DATE = exchange -> {
        if (!exchange.getResponseHeaders().contains(Headers.DATE)) {
            exchange.getResponseHeaders().put(Headers.DATE, now());
        }
    };

    private final HttpHandler next;

    DateHeaderHandler(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        exchange.addResponseCommitListener(SET_DATE);
        next.handleRequest(exchange);
    }

    static String now() {
        long second = System.currentTimeMillis() / 1000;
        Stamp current = stamp;
        if (current.epochSecond() != second) {
            current = new Stamp(second, HttpDates.format(Instant.ofEpochSecond(second)));
            stamp = current; // racing writers store the same text
        }
        return current.text();
    }
}
