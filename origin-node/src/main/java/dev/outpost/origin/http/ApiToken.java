package dev.outpost.origin.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.origin.assets.BearerAuth;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.util.Optional;

/**
 * The origin's bearer token ({@code apiToken}) as the asset API and the replication API require it, before their
 * routes (or their 404 and 405 answers) are looked up.
 */
final class ApiToken implements HandlerWrapper {
    private final BearerAuth auth;

    ApiToken(Optional<String> token) {
        this.auth = new BearerAuth(token);
    }

    @Override
    public HttpHandler wrap(HttpHandler next) {
        return exchange -> {
            require(exchange);
            next.handleRequest(exchange);
        };
    }

    /** 401 (with its challenge) or 403 unless the request carries the configured token. */
    void require(HttpServerExchange exchange) {
        HeaderValues values = exchange.getRequestHeaders().get(Headers.AUTHORIZATION);
        Optional<String> header = values == null || values.isEmpty() ? Optional.empty()
                : Optional.of(String.join(", ", values));
        switch (auth.check(header)) {
            case ALLOWED -> {
                return;
            }
            case MISSING -> throw new ApiException(401, "unauthorized",
                    "send the origin's API token as 'Authorization: Bearer <token>'")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"outpost-origin\"");
            case WRONG -> throw new ApiException(403, "forbidden", "the bearer token is not valid for this origin");
            case DISABLED -> throw new ApiException(403, "api_disabled", "the origin's API is disabled because no "
                    + "token is configured: set apiToken in origin.yml, --token or OUTPOST_ORIGIN_TOKEN");
            default -> throw new IllegalStateException("unreachable");
        }
    }
}
