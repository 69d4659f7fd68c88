package dev.outpost.origin.assets;

import dev.outpost.origin.content.MasterStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Decides whether a request's {@code Authorization} header carries the asset API's bearer token. Pure: the handler
 * turns the {@link Verdict} into a status. Both tokens are hashed before comparing with
 * {@link MessageDigest#isEqual}, so the time taken reveals neither the token's length nor how much of it matched.
 */
public final class BearerAuth {
    /** RFC 6750 b64token after the scheme and at least one space. */
    private static final Pattern BEARER = Pattern.compile("([A-Za-z0-9._~+/-]+=*)");

    /** What the header proves. */
    public enum Verdict {
        /** The configured token was presented. */
        ALLOWED,
        /** No Authorization header, another scheme, or no well-formed token: 401 with a challenge. */
        MISSING,
        /** A well-formed bearer token that is not ours: 403. */
        WRONG,
        /** No token is configured, so nobody may use the API: 403. */
        DISABLED
    }

    private final Optional<byte[]> expectedHash;

    public BearerAuth(Optional<String> token) {
        this.expectedHash = token.map(BearerAuth::hash);
    }

    public Verdict check(Optional<String> authorization) {
        if (expectedHash.isEmpty()) {
            return Verdict.DISABLED;
        }
        Optional<String> presented = authorization.flatMap(BearerAuth::bearerToken);
        if (presented.isEmpty()) {
            return Verdict.MISSING;
        }
        return MessageDigest.isEqual(expectedHash.get(), hash(presented.get())) ? Verdict.ALLOWED : Verdict.WRONG;
    }

    /** The token of a {@code Bearer <token>} header (scheme case-insensitive), if the header is one. */
    static Optional<String> bearerToken(String header) {
        String value = header.strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return Optional.empty();
        }
        String token = value.substring(space + 1).strip();
        return BEARER.matcher(token).matches() ? Optional.of(token) : Optional.empty();
    }

    private static byte[] hash(String token) {
        return MasterStore.sha256().digest(token.getBytes(StandardCharsets.UTF_8));
    }
}
