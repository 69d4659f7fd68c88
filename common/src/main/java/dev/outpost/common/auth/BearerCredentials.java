package dev.outpost.common.auth;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the token of an {@code Authorization: Bearer <token>} header (RFC 6750 §2.1), the one way every Outpost
 * API reads credentials: the scheme is case-insensitive (RFC 9110 §11.1, so {@code bearer} and {@code BEARER}
 * work), separated by one or more spaces. The token is any run of visible ASCII (a superset of RFC 6750's b64token,
 * so configured secrets with other punctuation keep working).
 */
public final class BearerCredentials {
    private static final Pattern BEARER = Pattern.compile("(?i:bearer) +([\\x21-\\x7e]+) *");

    private BearerCredentials() {
    }

    /** The token, or empty for a missing header, another scheme or a malformed token. */
    public static Optional<String> token(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        var m = BEARER.matcher(authorization);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
