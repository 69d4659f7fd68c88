package dev.outpost.control.invalidation;

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

    /** The key was used before, by the same token, for a different request. */
    public static final class Reused extends RuntimeException {
        private final long sequence;

        Reused(String key, long sequence) {
            super("Idempotency-Key '" + key + "' was already used for a different request (entry " + sequence + ")",
                    null, false, false);
            this.sequence = sequence;
        }

        public long sequence() {
            return sequence;
        }
    }
}
