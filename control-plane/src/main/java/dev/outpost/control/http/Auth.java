package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.Scope;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Bearer-token authentication against the configured SHA-256 hashes. The presented token is hashed and looked up,
 * so the secrets themselves are never held; {@code 401 unauthorized} for a missing, malformed or unknown token,
 * {@code 403 forbidden} naming the scope for a token that lacks it. A route asks for its scopes with
 * {@link #scope}; its endpoint reads who called with {@link #principal}.
 */
final class Auth {
    private static final AttachmentKey<Principal> PRINCIPAL = AttachmentKey.create(Principal.class);

    private final Map<String, Principal> byHash;

    Auth(List<ControlPlaneConfig.Token> tokens) {
        this.byHash = tokens.stream().collect(Collectors.toUnmodifiableMap(ControlPlaneConfig.Token::sha256,
                t -> new Principal(t.name(), Set.copyOf(t.scopes())), (a, b) -> a));
    }

    /** The route's authentication: a token with one of {@code scopes}, attached for the endpoint. */
    HandlerWrapper scope(Scope... scopes) {
        return next -> exchange -> {
            exchange.putAttachment(PRINCIPAL, require(Optional.ofNullable(exchange.getRequestHeaders()
                    .getFirst(Headers.AUTHORIZATION)), scopes));
            next.handleRequest(exchange);
        };
    }

    /** Who called, as {@link #scope} authenticated it. */
    static Principal principal(HttpServerExchange exchange) {
        Principal principal = exchange.getAttachment(PRINCIPAL);
        if (principal == null) {
            throw new IllegalStateException(exchange.getRequestPath() + " has no scope in the route table");
        }
        return principal;
    }

    /** The principal of an {@code Authorization} header value, requiring one of {@code scopes}. */
    Principal require(Optional<String> authorization, Scope... scopes) {
        String header = authorization.orElseThrow(() -> unauthorized("missing Authorization: Bearer <token>"));
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
            throw unauthorized("Authorization must be 'Bearer <token>'");
        }
        Principal principal = Optional.ofNullable(byHash.get(ControlPlaneConfig.sha256(header.substring(7).trim())))
                .orElseThrow(() -> unauthorized("unknown token"));
        if (Arrays.stream(scopes).noneMatch(principal::may)) {
            throw new ApiException(403, "forbidden", "token '" + principal.name() + "' lacks scope "
                    + Arrays.stream(scopes).map(Scope::wireName).collect(Collectors.joining(" or ")));
        }
        return principal;
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message)
                .withHeader("WWW-Authenticate", "Bearer realm=\"outpost\"");
    }
}
