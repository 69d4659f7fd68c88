package dev.outpost.common.service;

import java.time.Instant;
import java.util.Optional;

/**
 * One shared secret of a delivery service. A key past {@code expires} no longer verifies anything: during a
 * rotation the old key stays listed (after the new one) until every URL it signed has expired.
 *
 * @param secret  the HMAC key as text, at least 32 characters (e.g. {@code openssl rand -hex 32})
 * @param expires when this key stops verifying; absent → never
 */
public record SigningKey(String secret, Optional<Instant> expires) {
    static final int MIN_SECRET_CHARS = 32;

    public SigningKey {
        if (secret == null || secret.length() < MIN_SECRET_CHARS) {
            throw new IllegalArgumentException("signing.keys[].secret must be at least " + MIN_SECRET_CHARS
                    + " characters, was " + (secret == null ? "absent" : secret.length() + " characters"));
        }
        expires = expires == null ? Optional.empty() : expires;
    }

    public static SigningKey of(String secret) {
        return new SigningKey(secret, Optional.empty());
    }

    public boolean usableAt(Instant now) {
        return expires.map(now::isBefore).orElse(true);
    }

    /** Never shows the secret (configs get logged). */
    @Override
    public String toString() {
        return "SigningKey[secret=<" + secret.length() + " chars>, expires=" + expires.map(Instant::toString)
                .orElse("never") + "]";
    }
}
