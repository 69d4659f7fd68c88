package dev.outpost.common.problem;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Why a node's own code refuses what it was asked, in its own words: a {@link Kind} (what sort of refusal), the
 * stable error {@code code} clients see and a message naming the problem. Domain packages (the edge's cache and
 * TLS uploads, the origin's content, assets and replication, the control plane's CA and write-through) throw this
 * and never choose an HTTP status: {@code common/http/ErrorStatuses} maps each kind to its status and headers, in one
 * table, and the error-mapping handler writes the JSON body {@code {"error":code,"message":...}}.
 */
public class Problem extends RuntimeException {
    /** What sort of refusal; the HTTP status of each is chosen in {@code ErrorStatuses}, nowhere else. */
    public enum Kind {
        /** The request names something malformed or impossible (400). */
        INVALID,
        /** The credential given is unknown or expired (401). */
        UNAUTHENTICATED,
        /** The caller is known but may not do this (403). */
        FORBIDDEN,
        /** There is no such thing (404). */
        NOT_FOUND,
        /** The method is not one this resource takes (405); relayed from an upstream only. */
        METHOD_NOT_ALLOWED,
        /** It contradicts the current state (409). */
        CONFLICT,
        /** A precondition the request set ({@code If-Match}, {@code If-None-Match}) does not hold (412). */
        PRECONDITION_FAILED,
        /** The change needs a precondition ({@code If-Match}) the request did not set (428). */
        PRECONDITION_REQUIRED,
        /** A body or entry is larger than allowed (413). */
        TOO_LARGE,
        /** Understood, but refused as it stands (422). */
        UNPROCESSABLE,
        /** Asked too often; try later (429). */
        TOO_MANY_REQUESTS,
        /** A node this one depends on failed (502). */
        UPSTREAM_FAILED,
        /** Not possible right now; may work when asked again (503). */
        UNAVAILABLE,
        /** The node has no room to store what it was sent (507, RFC 4918 §11.5); may work once space is freed. */
        INSUFFICIENT_STORAGE
    }

    private final Kind kind;
    private final String code;
    private final Optional<Duration> retryAfter;

    public Problem(Kind kind, String code, String message) {
        this(kind, code, message, Optional.empty());
    }

    public Problem(Kind kind, String code, String message, Optional<Duration> retryAfter) {
        super(message, null, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.code = Objects.requireNonNull(code, "code");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public static Problem invalid(String code, String message) {
        return new Problem(Kind.INVALID, code, message);
    }

    /** Code {@code not_found}. */
    public static Problem notFound(String message) {
        return new Problem(Kind.NOT_FOUND, "not_found", message);
    }

    public static Problem conflict(String code, String message) {
        return new Problem(Kind.CONFLICT, code, message);
    }

    public static Problem forbidden(String code, String message) {
        return new Problem(Kind.FORBIDDEN, code, message);
    }

    public Kind kind() {
        return kind;
    }

    /** The stable error code of the JSON answer, e.g. {@code bad_path}. */
    public String code() {
        return code;
    }

    /** How long the client should wait before asking again, when that is known. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
