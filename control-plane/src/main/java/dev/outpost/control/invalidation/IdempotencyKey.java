package dev.outpost.control.invalidation;

import dev.outpost.common.problem.Problem;
import java.util.Objects;

/**
 * An {@code Idempotency-Key} a client sent with a purge, push or change notice: the key, who sent it (keys are
 * scoped to the token, so two tokens never collide) and a fingerprint of the request (method, target and body), so
 * the same key on a different request is refused instead of answered with the first request's entry.
 */
public record IdempotencyKey(String principal, String key, String fingerprint) {
    public IdempotencyKey {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fingerprint, "fingerprint");
    }

    /** The key was used before, by the same token, for a different request: unprocessable as it stands. */
    public static final class Reused extends Problem {
        private final long sequence;

        Reused(String key, long sequence) {
            super(Kind.UNPROCESSABLE, "idempotency_key_reused", "Idempotency-Key '" + key + "' was already used for "
                    + "a different request (entry " + sequence + "); use a new key for a new request");
            this.sequence = sequence;
        }

        public long sequence() {
            return sequence;
        }
    }
}
