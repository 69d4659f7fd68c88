package dev.outpost.edge.http;

import dev.outpost.common.http.ErrorMappingHandler;
import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.cache.Invalidation;
import dev.outpost.edge.origin.FetchOutcome;
import dev.outpost.edge.origin.OriginClient;
import dev.outpost.edge.origin.OriginFetch;
import dev.outpost.edge.origin.OriginRequest;
import dev.outpost.edge.origin.OriginResponse;
import dev.outpost.edge.origin.OriginUnreachable;
import dev.outpost.edge.origin.ProxyHeaders;
import dev.outpost.edge.origin.Route;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/**
 * Forwards every method but GET and HEAD (POST, PUT, DELETE, PATCH, OPTIONS, extension methods) to the origin
 * untouched by the cache, and when {@link Invalidation} says so (a non-error answer to an unsafe method) invalidates
 * every stored variant of the URL and of the URLs Location and Content-Location name on the same service
 * (RFC 9111 §4.4). Runs on a blocking thread.
 */
final class PassThrough {
    private static final CacheStatus METHOD = CacheStatus.forwarded(CacheStatus.Fwd.METHOD);

    private final OriginClient client;
    private final OriginFetch fetch;
    private final CacheStore store;
    private final ResponseWriter writer;
    private final String edgeId;
    private final long maxBodyBytes;

    PassThrough(OriginClient client, OriginFetch fetch, CacheStore store, ResponseWriter writer, String edgeId,
            long maxBodyBytes) {
        this.client = client;
        this.fetch = fetch;
        this.store = store;
        this.writer = writer;
        this.edgeId = edgeId;
        this.maxBodyBytes = maxBodyBytes;
    }

    void forward(HttpServerExchange ex, Route route, String key, Fields request) {
        try {
            new ErrorMappingHandler(e -> forwardNow(e, route, key, request)).handleRequest(ex);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void forwardNow(HttpServerExchange ex, Route route, String key, Fields request) throws IOException {
        ex.startBlocking();
        byte[] body = ex.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        if (body.length > maxBodyBytes) {
            writer.error(ex, 413, "body_too_large", "request bodies are limited to " + maxBodyBytes + " bytes",
                    METHOD.withDetail("body-too-large"));
            return;
        }
        String method = ex.getRequestMethod().toString();
        ProxyHeaders.Client from = Requests.client(ex);
        OriginRequest originRequest = new OriginRequest(method, Requests.rawTarget(ex),
                ProxyHeaders.forPassThrough(request, from, edgeId, route.requestHeaders()), body, from.address());
        long start = System.nanoTime();
        OriginResponse response;
        try {
            response = client.send(route.origins(), originRequest);
        } catch (OriginUnreachable e) {
            // timed before the error is written: the access log line is complete when the exchange ends
            writer.originTime(ex, Duration.ofNanos(System.nanoTime() - start));
            Answer.Error error = Answer.unreachable(new FetchOutcome.Unreachable(e.timeout(), e.busy(), e.down(),
                    e.getMessage()), METHOD);
            writer.error(ex, error.statusCode(), error.code(), error.message(), error.status());
            return;
        }
        writer.originTime(ex, Duration.ofNanos(System.nanoTime() - start));
        URI requestUri = URI.create("http://" + ex.getHostName() + Requests.rawTarget(ex));
        for (String invalid : Invalidation.keys(method, response.status(), key, requestUri, response.headers(),
                uri -> route.keyOf(uri))) {
            store.purge(invalid, false);
        }
        // Relayed through a spooled fill: the origin is read at its own speed, the client reads at its own.
        FetchOutcome.Filling relayed = fetch.relay(response, "method");
        writer.relay(ex, request, new Answer.FromBody(relayed, Outcome.BYPASS,
                METHOD.withFwdStatus(response.status()), false), relayed.first());
    }
}
