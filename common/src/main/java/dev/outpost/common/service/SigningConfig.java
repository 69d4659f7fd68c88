package dev.outpost.common.service;

import dev.outpost.common.config.ConfigValues;
import java.time.Duration;
import java.util.List;

/**
 * Signed URLs for one delivery service.
 *
 * @param required refuse requests without a valid token (default true); false → only requests that carry a
 *                 {@code sig} are checked (for rolling signing out)
 * @param keys     shared secrets, newest first: the first signs, every one not past its {@code expires} verifies
 * @param maxLifetime longest a token may stay valid: one whose {@code exp} lies further ahead is refused
 *                 ({@code lifetime_too_long}); default 7 days
 */
public record SigningConfig(Boolean required, List<SigningKey> keys, Duration maxLifetime) {
    /** A token may be valid for at most this long unless {@code maxLifetime} says otherwise. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofDays(7);

    public SigningConfig {
        maxLifetime = ConfigValues.positive("signing.maxLifetime", maxLifetime,
                DEFAULT_MAX_LIFETIME);
        required = ConfigValues.or(required, true);
        keys = ConfigValues.orEmpty(keys);
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("signing.keys must list at least one key");
        }
    }

    /** Required signing with these keys and the default {@code maxLifetime}. */
    public static SigningConfig required(List<SigningKey> keys) {
        return new SigningConfig(true, keys, null);
    }
}
