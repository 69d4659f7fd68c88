package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.control.steering.Cidr;
import dev.outpost.control.steering.Decision;
import io.undertow.server.HttpServerExchange;
import java.net.URI;

/**
 * {@code GET /api/v1/route?url=...[&client=...]}: the steering decision for a URL as JSON (which edge, why), for the
 * calling client or a named address, without redirecting.
 */
final class RouteEndpoint {
    private final SteeringHandler steering;

    RouteEndpoint(SteeringHandler steering) {
        this.steering = steering;
    }

    void route(HttpServerExchange exchange) {
        String url = Queries.first(exchange, "url").orElseThrow(() -> ApiException.badRequest("missing_url",
                "url: give the URL to route, e.g. ?url=http://www.example.com/app.js"));
        EntryRequests.checkUrl("url", url);
        URI uri = URI.create(url);
        String peer = Queries.first(exchange, "client").map(c -> {
            if (Cidr.literal(c).isEmpty()) {
                throw ApiException.badRequest("bad_client", "client must be an IPv4 or IPv6 address, was '" + c
                        + "'");
            }
            return c;
        }).orElseGet(() -> SteeringHandler.peer(exchange));
        String rawPath = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        Decision decision = Queries.first(exchange, "client").isPresent()
                ? steering.decideFor(peer, uri.getHost(), rawPath)
                : steering.decide(exchange, peer, uri.getHost(), rawPath);
        HttpJson.send(exchange, 200, Views.Route.of(decision,
                SteeringHandler.location(decision, rawPath, uri.getRawQuery())));
    }
}
