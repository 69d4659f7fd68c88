package dev.outpost.common.http;

import dev.outpost.common.problem.Problem;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.HttpString;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * Turns exceptions from {@code next} into status codes with a JSON body, in exactly one place: a {@link Problem}
 * becomes the status and headers {@link ErrorStatuses} gives its kind, an {@link ApiException} (the HTTP adapters'
 * own refusals: 405, 415, 416, ...) its own status, code and headers, anything else a 500 that is logged here and
 * never shows a stack trace to the client. When the response has already started, the connection is closed instead,
 * so the client sees an aborted response rather than a complete-looking short one.
 */
public final class ErrorMappingHandler implements HttpHandler {
    private static final Logger LOG = System.getLogger(ErrorMappingHandler.class.getName());

    private final HttpHandler next;

    public ErrorMappingHandler(HttpHandler next) {
        this.next = next;
    }

    /**
     * {@code next} on a worker thread with blocking streams, its errors mapped there: once a request is dispatched,
     * the listener's own mapping (which returned when the dispatch did) no longer sees what it throws.
     */
    public static HttpHandler onWorkerThread(HttpHandler next) {
        return new BlockingHandler(new ErrorMappingHandler(next));
    }

    /** {@code next} on a worker thread, its errors mapped there; streams stay non-blocking (bodies sent async). */
    public static HttpHandler dispatched(HttpHandler next) {
        HttpHandler mapped = new ErrorMappingHandler(next);
        return exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(mapped);
            } else {
                mapped.handleRequest(exchange);
            }
        };
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        try {
            next.handleRequest(exchange);
        } catch (ApiException e) {
            answer(exchange, e.status(), e.code(), e.getMessage(), e.headers());
        } catch (Problem e) {
            answer(exchange, ErrorStatuses.status(e.kind()), e.code(), e.getMessage(), ErrorStatuses.headers(e));
        } catch (RejectedExecutionException e) {
            // The node is stopping: its worker pool takes no more tasks. Not a fault of the request or the code;
            // a client (an edge's heartbeat, say) should simply ask again, here or at the next control plane.
            LOG.log(Level.DEBUG, () -> "request " + exchange.getRequestMethod() + " " + exchange.getRequestURI()
                    + " refused: the server is stopping");
            answer(exchange, 503, "shutting_down", "the server is stopping; try again (or another instance)",
                    Map.of("Retry-After", "1"));
        } catch (Exception | LinkageError | AssertionError e) {
            LOG.log(Level.ERROR, "request " + exchange.getRequestMethod() + " " + exchange.getRequestURI()
                    + " failed", e);
            answer(exchange, 500, "internal_error", "the server failed to handle this request; see its log",
                    Map.of());
        }
    }

    private static void answer(HttpServerExchange exchange, int status, String code, String message,
            Map<String, String> headers) {
        if (exchange.isResponseStarted()) {
            exchange.setPersistent(false);
            org.xnio.IoUtils.safeClose(exchange.getConnection());
            return;
        }
        exchange.getResponseHeaders().clear();
        headers.forEach((name, value) -> exchange.getResponseHeaders().put(new HttpString(name), value));
        HttpJson.sendError(exchange, status, code, message);
    }
}
