package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.control.invalidation.IdempotencyKey;
import io.undertow.server.HttpServerExchange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The {@code Idempotency-Key} request header of purges, pushes and change notices (IETF httpapi
 * idempotency-key-header draft): a retried request carrying the key of an earlier one gets the earlier answer (the
 * same entry, marked {@code Idempotent-Replayed: true}) and logs nothing new. Keys are scoped to the token and live
 * for {@link dev.outpost.control.invalidation.Maintenance#KEY_LIFETIME}; the same key on a different request (method,
 * target or body) is {@code 422 idempotency_key_reused} ({@link IdempotencyKey.Reused}, thrown by the log). The
 * value is 1..255 visible ASCII characters, bare or as a structured-field string ({@code "..."}).
 */
final class IdempotencyKeys {
    static final String HEADER = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";

    private IdempotencyKeys() {
    }

    static Optional<IdempotencyKey> of(HttpServerExchange exchange, Principal who, byte[] body) {
        String value = exchange.getRequestHeaders().getFirst(HEADER);
        if (value == null) {
            return Optional.empty();
        }
        if (exchange.getRequestHeaders().count(HEADER) > 1) {
            throw ApiException.badRequest("bad_idempotency_key", HEADER + " is given more than once");
        }
        String key = value.strip();
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
            key = key.substring(1, key.length() - 1);
        }
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw ApiException.badRequest("bad_idempotency_key", HEADER + " must be 1..255 visible ASCII characters, "
                    + "was '" + value + "'");
        }
        return Optional.of(new IdempotencyKey(who.name(), key, fingerprint(exchange, body)));
    }

    /** SHA-256 over method, path, query and body: what makes two requests "the same". */
    private static String fingerprint(HttpServerExchange exchange, byte[] body) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((exchange.getRequestMethod() + " " + exchange.getRequestPath() + "?"
                    + exchange.getQueryString() + "\n").getBytes(StandardCharsets.UTF_8));
            digest.update(body);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
