package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.edge.cache.Purger;
import dev.outpost.edge.cache.Pusher;
import dev.outpost.edge.origin.Prefetcher;
import dev.outpost.edge.origin.Routes;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Deque;
import java.util.List;

/**
 * The admin API (bearer token): purge, prefetch and push, each a thin adapter over {@link Purger},
 * {@link Prefetcher} and {@link Pusher}. Runs behind a blocking dispatch (see {@link EdgeHandlers}).
 */
public final class AdminHandler implements HttpHandler {
    private static final int MAX_JSON_BYTES = 1024 * 1024;

    /** Body of {@code POST /_edge/prefetch}. */
    public record PrefetchRequest(List<String> urls) {
        public PrefetchRequest {
            if (urls == null || urls.isEmpty()) {
                throw new IllegalArgumentException("urls must list at least one URL");
            }
            urls = List.copyOf(urls);
        }
    }

    /** Answer of {@code PUT /_edge/objects}. */
    public record PushAnswer(String key, int bytes, boolean stored) {
    }

    private final byte[] token;
    private final Routes routes;
    private final Purger purger;
    private final Prefetcher prefetcher;
    private final Pusher pusher;
    private final long maxObjectBytes;

    public AdminHandler(String token, Routes routes, Purger purger, Prefetcher prefetcher, Pusher pusher,
            long maxObjectBytes) {
        this.token = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.routes = routes;
        this.purger = purger;
        this.prefetcher = prefetcher;
        this.pusher = pusher;
        this.maxObjectBytes = maxObjectBytes;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        String given = ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (given == null || !MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, "unauthorized", "admin requests need 'Authorization: Bearer <admin token>'");
        }
        String method = ex.getRequestMethod().toString();
        switch (ex.getRequestPath()) {
            case "/_edge/purge" -> {
                requireMethod(method, "POST");
                Purger.Request request = HttpJson.read(body(ex, MAX_JSON_BYTES), Purger.Request.class);
                try {
                    HttpJson.send(ex, 200, purger.purge(request));
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("bad_purge", e.getMessage());
                }
            }
            case "/_edge/prefetch" -> {
                requireMethod(method, "POST");
                PrefetchRequest request = HttpJson.read(body(ex, MAX_JSON_BYTES), PrefetchRequest.class);
                HttpJson.send(ex, 200, prefetcher.prefetch(request.urls(), Requests.client(ex)));
            }
            case "/_edge/objects" -> {
                requireMethod(method, "PUT");
                URI url = pushUrl(ex);
                Pusher.Result result = pusher.push(url, Requests.fields(ex), body(ex, maxObjectBytes));
                if (!result.stored()) {
                    throw new ApiException(422, "not_storable", "the cache rules refuse to store this object: "
                            + result.reason().orElse("unknown"));
                }
                HttpJson.send(ex, 201, new PushAnswer(result.key(), result.bytes(), true));
            }
            default -> throw ApiException.notFound("no admin endpoint " + ex.getRequestPath());
        }
    }

    private URI pushUrl(HttpServerExchange ex) {
        Deque<String> param = ex.getQueryParameters().get("url");
        if (param == null || param.isEmpty()) {
            throw ApiException.badRequest("missing_url", "PUT /_edge/objects needs ?url=<absolute URL>");
        }
        URI url;
        try {
            url = URI.create(param.getFirst());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_url", "url '" + param.getFirst() + "' is not a URL");
        }
        if (url.getHost() == null || routes.find(url.getHost()).isEmpty()) {
            throw new ApiException(404, "unknown_host", "url '" + url + "' names no host this edge serves");
        }
        return url;
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equals(expected)) {
            throw new ApiException(405, "method_not_allowed", "use " + expected);
        }
    }

    private static byte[] body(HttpServerExchange ex, long limit) throws IOException {
        byte[] body = ex.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (body.length > limit) {
            throw new ApiException(413, "body_too_large", "request bodies here are limited to " + limit + " bytes");
        }
        return body;
    }

}
