package dev.outpost.edge.cache;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The edge's entry of the {@code Cache-Status} response field (RFC 9211): {@code Outpost; hit; ttl=42},
 * {@code Outpost; fwd=miss; fwd-status=200; stored}, {@code Outpost; fwd=miss; fwd-status=200; stored; collapsed},
 * {@code Outpost; fwd=stale; fwd-status=503}, {@code Outpost; fwd=bypass; fwd-status=200; detail=private}.
 * Immutable: start from {@link #hit()} or {@link #forwarded}, add parameters with the {@code with}/flag methods;
 * {@link #value()} writes them in the RFC's order. A shield names its entries {@link #SHIELD_NAME}; an answer
 * forwarded from upstream keeps the upstream's entries before this one ({@link #withUpstream}), nearest the origin
 * first, as RFC 9211 §2 orders the list.
 */
public record CacheStatus(boolean servedFromStore, Optional<Fwd> fwd, OptionalInt fwdStatus, OptionalLong ttl,
        boolean stored, boolean collapsed, Optional<String> detail, Optional<String> upstream) {
    /** The cache name of an edge's entries. */
    public static final String NAME = "Outpost";
    /** The cache name of a shield's entries (role shield), so a chain shows which tier said what. */
    public static final String SHIELD_NAME = "Outpost-shield";

    /**
     * {@code detail} values an edge writes when it answers without the origin's answer, or refuses the origin's:
     * one place, because a shield's are read back by the edges below it ({@code origin/ShieldAnswer} decides from
     * them whether a shield's 5xx is the origin's failure or the shield's own).
     */
    public static final class Detail {
        /** 502: no connection to the origin, or it broke off. */
        public static final String ORIGIN_UNREACHABLE = "origin-unreachable";
        /** 504: the origin did not answer in time. */
        public static final String ORIGIN_TIMEOUT = "origin-timeout";
        /** 503: the origin's circuit breaker is open. */
        public static final String ORIGIN_DOWN = "origin-down";
        /** 503: the edge's requests to the origin are at their cap. */
        public static final String ORIGIN_BUSY = "origin-busy";
        /** 504: the fetch a collapsed request waited for never came back. */
        public static final String COLLAPSE_TIMEOUT = "collapse-timeout";
        /** 504: the request asked for a stored answer only (only-if-cached), and none may answer it. */
        public static final String ONLY_IF_CACHED = "only-if-cached";
        /** The origin answered with a body that disagrees with its own headers. */
        public static final String BODY_MISMATCH = "body-mismatch";

        private Detail() {
        }
    }

    /** Why the request went forward (RFC 9211 §2.2). */
    public enum Fwd {
        /** The cache was configured not to handle it (hit-for-pass, a request with credentials). */
        BYPASS("bypass"),
        /** Its method is not cacheable. */
        METHOD("method"),
        /** Nothing was stored under its key. */
        MISS("miss"),
        /** A stored response was stale (revalidated, or stale-if-error answered). */
        STALE("stale"),
        /** A stored response held only part of what was asked. */
        PARTIAL("partial");

        private final String token;

        Fwd(String token) {
            this.token = token;
        }

        public String token() {
            return token;
        }
    }

    public CacheStatus {
        if (servedFromStore == fwd.isPresent()) {
            throw new IllegalArgumentException("a Cache-Status entry is either a hit or forwarded");
        }
    }

    /** Answered from the store without asking the origin. */
    public static CacheStatus hit() {
        return new CacheStatus(true, Optional.empty(), OptionalInt.empty(), OptionalLong.empty(), false, false,
                Optional.empty(), Optional.empty());
    }

    /** Went forward to the origin, for {@code why}. */
    public static CacheStatus forwarded(Fwd why) {
        return new CacheStatus(false, Optional.of(why), OptionalInt.empty(), OptionalLong.empty(), false, false,
                Optional.empty(), Optional.empty());
    }

    /** The status the origin answered. */
    public CacheStatus withFwdStatus(int status) {
        return new CacheStatus(servedFromStore, fwd, OptionalInt.of(status), ttl, stored, collapsed, detail,
                upstream);
    }

    /** The remaining freshness lifetime, in seconds (negative once stale). */
    public CacheStatus withTtl(long seconds) {
        return new CacheStatus(servedFromStore, fwd, fwdStatus, OptionalLong.of(seconds), stored, collapsed, detail,
                upstream);
    }

    /** The answer was stored. */
    public CacheStatus asStored() {
        return new CacheStatus(servedFromStore, fwd, fwdStatus, ttl, true, collapsed, detail, upstream);
    }

    /** The request was collapsed with another one's origin request, whose answer it got. */
    public CacheStatus asCollapsed() {
        return new CacheStatus(servedFromStore, fwd, fwdStatus, ttl, stored, true, detail, upstream);
    }

    /** Implementation detail: why it was not stored, which error, ... ({@code a-z 0-9 - _ .} only). */
    public CacheStatus withDetail(String why) {
        if (!why.matches("[a-z0-9._-]+")) {
            throw new IllegalArgumentException("a Cache-Status detail must be a token, was '" + why + "'");
        }
        return new CacheStatus(servedFromStore, fwd, fwdStatus, ttl, stored, collapsed, Optional.of(why),
                upstream);
    }

    /**
     * The {@code Cache-Status} value of the response this entry was forwarded with (RFC 9211: the entries of the
     * caches nearer the origin, a shield's), to keep before this cache's own entry; only for the answer that
     * fetch made, never for later hits. A blank value is none.
     */
    public CacheStatus withUpstream(Optional<String> upstreamValue) {
        Optional<String> kept = upstreamValue.map(String::strip).filter(v -> !v.isEmpty());
        return new CacheStatus(servedFromStore, fwd, fwdStatus, ttl, stored, collapsed, detail, kept);
    }

    /** The field value of this entry: {@code Outpost; fwd=miss; fwd-status=200; stored}. */
    public String value() {
        return value(NAME);
    }

    /**
     * The field value with this entry named {@code name}, after the upstream entries when there are:
     * {@code Outpost-shield; hit; ttl=60, Outpost; fwd=miss; fwd-status=200; stored}.
     */
    public String value(String name) {
        StringBuilder sb = new StringBuilder(64);
        upstream.ifPresent(u -> sb.append(u).append(", "));
        sb.append(name);
        if (servedFromStore) {
            sb.append("; hit");
        }
        fwd.ifPresent(f -> sb.append("; fwd=").append(f.token()));
        fwdStatus.ifPresent(s -> sb.append("; fwd-status=").append(s));
        ttl.ifPresent(t -> sb.append("; ttl=").append(t));
        if (stored) {
            sb.append("; stored");
        }
        if (collapsed) {
            sb.append("; collapsed");
        }
        detail.ifPresent(d -> sb.append("; detail=").append(d));
        return sb.toString();
    }

    @Override
    public String toString() {
        return value();
    }
}
