package dev.outpost.edge.config;

import dev.outpost.edge.signing.SigningKey;
import java.util.List;

/**
 * Signed URLs for one delivery service.
 *
 * @param required refuse requests without a valid token (default true); false → only requests that carry a
 *                 {@code sig} are checked (for rolling signing out)
 * @param keys     shared secrets, newest first: the first signs, every one not past its {@code expires} verifies
 */
public record SigningConfig(Boolean required, List<SigningKey> keys) {
    public SigningConfig {
        required = Defaults.or(required, true);
        keys = List.copyOf(Defaults.or(keys, List.of()));
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("signing.keys must list at least one key");
        }
    }
}
