package dev.outpost.edge.http;

import dev.outpost.common.auth.BearerCredentials;
import dev.outpost.common.http.ApiException;
import io.undertow.server.HandlerWrapper;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The admin API's bearer token: {@code 401 unauthorized} unless the request carries it, before anything else of the
 * admin API (which paths exist included) is revealed. Both sides are hashed, so the comparison takes the same time
 * whatever the length or prefix of the guess.
 */
final class AdminToken implements HandlerWrapper {
    private final byte[] token;

    AdminToken(String token) {
        this.token = sha256(token);
    }

    @Override
    public io.undertow.server.HttpHandler wrap(io.undertow.server.HttpHandler next) {
        return exchange -> {
            Optional<byte[]> given = BearerCredentials.token(exchange.getRequestHeaders()
                    .getFirst(Headers.AUTHORIZATION)).map(AdminToken::sha256);
            if (given.isEmpty() || !MessageDigest.isEqual(token, given.get())) {
                throw new ApiException(401, "unauthorized",
                        "admin requests need 'Authorization: Bearer <admin token>'");
            }
            next.handleRequest(exchange);
        };
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
