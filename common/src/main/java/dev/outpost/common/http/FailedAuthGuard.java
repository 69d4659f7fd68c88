package dev.outpost.common.http;

import dev.outpost.common.auth.FailedAuthLimiter;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.net.InetAddress;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Puts an authenticated API behind its node's {@link FailedAuthLimiter}: a client whose failed-authentication
 * budget is empty gets {@code 429 too_many_failed_auth} with {@code Retry-After} and a JSON body, before its
 * credentials are even looked at (so guessing goes no faster whatever it sends); every answer of {@code next} with
 * one of the failure statuses takes one failure from the client's budget. Wraps the authenticating handler only,
 * so health checks and unauthenticated paths are never throttled.
 */
public final class FailedAuthGuard implements HttpHandler {
    private final FailedAuthLimiter limiter;
    private final Set<Integer> failureStatuses;
    private final HttpHandler next;

    /**
     * @param failureStatuses the statuses {@code next} answers a missing or wrong credential with (401; the origin
     *                        also answers a wrong token 403)
     */
    public FailedAuthGuard(FailedAuthLimiter limiter, Set<Integer> failureStatuses, HttpHandler next) {
        this.limiter = limiter;
        this.failureStatuses = Set.copyOf(failureStatuses);
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        InetAddress client = exchange.getSourceAddress().getAddress();
        OptionalLong wait = limiter.retryAfter(client);
        if (wait.isPresent()) {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(wait.getAsLong()));
            HttpJson.sendError(exchange, 429, "too_many_failed_auth", "too many failed authentication attempts from "
                    + client.getHostAddress() + "; retry in " + wait.getAsLong() + " s");
            return;
        }
        exchange.addExchangeCompleteListener((done, nextListener) -> {
            if (failureStatuses.contains(done.getStatusCode())) {
                limiter.failed(client);
            }
            nextListener.proceed();
        });
        next.handleRequest(exchange);
    }
}
