package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.edge.cache.Pusher;
import dev.outpost.edge.service.ServiceDirectory;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.net.URI;
import java.util.Deque;

/**
 * {@code PUT /_edge/objects?url=<absolute URL>}: stores the body as the object of that URL, with the request's
 * caching headers, by the same rules as an origin's answer ({@link Pusher}); {@code 422 not_storable} naming why the
 * rules refuse it, {@code 404 unknown_host} for a host this edge does not serve.
 */
final class ObjectsEndpoint {
    /** Answer of {@code PUT /_edge/objects}. */
    record PushAnswer(String key, int bytes, boolean stored) {
    }

    private final ServiceDirectory routes;
    private final Pusher pusher;
    private final long maxObjectBytes;

    ObjectsEndpoint(ServiceDirectory routes, Pusher pusher, long maxObjectBytes) {
        this.routes = routes;
        this.pusher = pusher;
        this.maxObjectBytes = maxObjectBytes;
    }

    void put(HttpServerExchange exchange) throws IOException {
        URI url = pushUrl(exchange);
        Pusher.Result result = pusher.push(url, Requests.fields(exchange), AdminBodies.read(exchange, maxObjectBytes));
        if (!result.stored()) {
            throw new ApiException(422, "not_storable", "the cache rules refuse to store this object: "
                    + result.reason().orElse("unknown"));
        }
        HttpJson.send(exchange, 201, new PushAnswer(result.key(), result.bytes(), true));
    }

    private URI pushUrl(HttpServerExchange exchange) {
        Deque<String> param = exchange.getQueryParameters().get("url");
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
}
