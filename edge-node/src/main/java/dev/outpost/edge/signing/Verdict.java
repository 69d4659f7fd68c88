package dev.outpost.edge.signing;

import java.util.Locale;

/** What checking a signed URL found; everything but {@link #VALID} is refused with 403 and {@link #code()}. */
public enum Verdict {
    VALID,
    /** No {@code sig} or no {@code exp} parameter, on a service that requires signed URLs. */
    MISSING,
    /** Signature good, but {@code exp} has passed. */
    EXPIRED,
    /** No listed, unexpired key made this signature (tampered, forged, wrong secret, malformed token). */
    BAD_SIGNATURE,
    /** Signature good, but {@code exp} lies further ahead than the service's {@code signing.maxLifetime}. */
    LIFETIME_TOO_LONG,
    /**
     * Signature good, but the request path lies outside the signed {@code prefix}, or holds a dot segment in some
     * encoding ({@code ..%2F}, {@code ..;}, ...) that an origin could read as climbing out of it.
     */
    WRONG_PATH,
    /** Signature good, but the request comes from an address other than the signed {@code ip}. */
    WRONG_ADDRESS;

    public boolean valid() {
        return this == VALID;
    }

    /** The error code clients see: {@code expired}, {@code bad_signature}, ... */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
