package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.control.steering.Decision;
import dev.outpost.control.steering.SteeringSource;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code GET /{path}} on the steering listener: 302 to the edge chosen for this client and URL, keeping path and
 * query; 503 {@code no_edge} when no region has a healthy, caught-up edge, 503 {@code no_state} on a steering
 * replica that has not yet fetched any state. A replica's answer names its state's age in {@code
 * X-Outpost-Steering-State} ({@code replica; age=12} or {@code replica; age=400; stale}). Runs on the IO thread:
 * the registry, the log's due sequences and a replica's fetched state answer without locks or I/O.
 */
final class SteeringHandler implements HttpHandler {
    private static final HttpString STEERED_BY = HttpString.tryFromString("X-Outpost-Steering");
    private static final HttpString STATE = HttpString.tryFromString("X-Outpost-Steering-State");

    private final SteeringSource source;
    private final Consumer<Decision> steered;

    /** {@code steered} hears every decision this handler answers with (the metrics), not the explained ones. */
    SteeringHandler(SteeringSource source, Consumer<Decision> steered) {
        this.source = source;
        this.steered = steered;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (!exchange.getRequestMethod().equals(Methods.GET) && !exchange.getRequestMethod().equals(Methods.HEAD)) {
            throw new ApiException(405, "method_not_allowed", "steering answers GET and HEAD only")
                    .withHeader("Allow", "GET, HEAD");
        }
        String host = Optional.ofNullable(exchange.getRequestHeaders().getFirst(Headers.HOST)).orElse("");
        String rawPath = rawPath(exchange.getRequestURI());
        SteeringSource.View view = view();
        Decision decision = decide(view, exchange, peer(exchange), host, rawPath);
        steered.accept(decision);
        SteeringSource.Freshness freshness = view.freshness();
        if (!freshness.source().equals(SteeringSource.Freshness.CONTROL_PLANE)) {
            exchange.getResponseHeaders().put(STATE, freshness.source() + "; age=" + freshness.ageSeconds()
                    + (freshness.stale() ? "; stale" : ""));
        }
        String location = location(decision, rawPath, exchange.getQueryString())
                .orElseThrow(() -> new ApiException(503, "no_edge", decision.reason()));
        exchange.setStatusCode(302);
        exchange.getResponseHeaders().put(Headers.LOCATION, location);
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseHeaders().put(STEERED_BY, decision.chosen().orElseThrow().id());
        exchange.setResponseContentLength(0);
        exchange.endExchange();
    }

    /** The view to decide with; 503 {@code no_state} when there is none yet (a replica that never fetched one). */
    SteeringSource.View view() {
        SteeringSource.View view = source.view();
        if (!view.freshness().known()) {
            throw new ApiException(503, "no_state", "this steering replica has not fetched the control plane's "
                    + "state yet" + view.freshness().lastError().map(e -> " (" + e + ")").orElse(""))
                    .withHeader("Retry-After", "1");
        }
        return view;
    }

    Decision decide(SteeringSource.View view, HttpServerExchange exchange, String peer, String host,
            String rawPath) {
        Optional<String> forwardedFor = Optional.ofNullable(exchange.getRequestHeaders().getFirst("X-Forwarded-For"));
        return view.steering().decide(peer, forwardedFor, host, rawPath, view.edges());
    }

    /** The decision for an explicitly named client address (no proxy headers involved). */
    static Decision decideFor(SteeringSource.View view, String client, String host, String rawPath) {
        return view.steering().decide(client, Optional.empty(), host, rawPath, view.edges());
    }

    static String peer(HttpServerExchange exchange) {
        return exchange.getSourceAddress().getAddress().getHostAddress();
    }

    /** The request target's path, undecoded; an absolute-form target ({@code http://h/p}) keeps only {@code /p}. */
    static String rawPath(String requestUri) {
        int scheme = requestUri.indexOf("://");
        if (requestUri.startsWith("/") || scheme < 0) {
            return requestUri.isEmpty() ? "/" : requestUri;
        }
        int slash = requestUri.indexOf('/', scheme + 3);
        return slash < 0 ? "/" : requestUri.substring(slash);
    }

    /** The chosen edge's public URL + the raw path and query as the client sent them. */
    static Optional<String> location(Decision decision, String rawPath, String query) {
        return decision.chosen().map(edge -> {
            String base = edge.publicUrl().toString();
            base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
            return base + (rawPath.startsWith("/") ? rawPath : "/" + rawPath)
                    + (query == null || query.isEmpty() ? "" : "?" + query);
        });
    }
}
