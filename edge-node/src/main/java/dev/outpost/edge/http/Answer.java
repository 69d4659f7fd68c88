package dev.outpost.edge.http;

import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.cache.PartialContent;
import dev.outpost.edge.cache.Vary;
import dev.outpost.edge.origin.FetchOutcome;
import dev.outpost.edge.origin.OriginFetch;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a client gets once the fetch it made, or waited for, came back; decided by {@link #to} from the fetch's
 * outcome and the request alone (pure, no Undertow), and carried out by {@link MissFlow} with
 * {@link ResponseWriter}. The rules, per outcome:
 * <ul>
 *   <li>a stored answer is served from the store; a follower serves its own variant (Vary), or fetches for itself
 *       when the leader's answer is another variant;</li>
 *   <li>a body still arriving is relayed as it comes, to the leader and to followers of the same variant when it
 *       will be stored; an answer that will not be stored is never handed to a follower (it may be meant for
 *       one client only), who fetches for itself, as Varnish's waiting list does;</li>
 *   <li>origin errors, an unreachable or busy origin, and a body that disagrees with its headers are answered by
 *       the stale copy when stale-if-error allows, else by the origin's error or the edge's own (every origin's
 *       circuit breaker open: 503 {@code origin_down} at once, see {@code OriginHealth});</li>
 *   <li>a body cut short is an aborted response, never a complete-looking one.</li>
 * </ul>
 */
sealed interface Answer {
    /** How the request took part in the fetch. */
    enum Role {
        /** Made the fetch for everyone waiting on the key. */
        LEADER,
        /** Waited for another request's fetch. */
        FOLLOWER,
        /** Fetched outside the collapser: hit-for-pass, or with credentials. */
        ALONE
    }

    /** Serve a stored object (conditional, HEAD, Range handled by the writer). */
    record FromStore(CachedObject object, Outcome outcome, CacheStatus status) implements Answer {
    }

    /** Relay a body as it arrives; {@code withoutSetCookie}: a cookie set for the leader is not handed on. */
    record FromBody(FetchOutcome.Filling filling, Outcome outcome, CacheStatus status, boolean withoutSetCookie)
            implements Answer {
    }

    /** Serve a complete response held in memory. */
    record Buffered(int statusCode, Fields headers, ByteBuffer body, Outcome outcome, CacheStatus status)
            implements Answer {
    }

    /** The edge's own error, as JSON. */
    record Error(int statusCode, String code, String message, CacheStatus status) implements Answer {
    }

    /** Close the connection without a complete response. */
    record Abort() implements Answer {
    }

    /** Make a fetch of its own, outside the flight ({@code asPass}: as a plain proxy request). */
    record FetchAlone(boolean asPass) implements Answer {
    }

    /**
     * @param mine    for a follower of a stored answer: the variant stored for its own request, if any
     * @param stale   the stored copy the fetch revalidated, when it may answer errors now and serves this request
     */
    static Answer to(Role role, OriginFetch.Target t, FetchOutcome outcome, Optional<CachedObject> mine,
            Optional<CachedObject> stale) {
        return switch (outcome) {
            case FetchOutcome.Stored s -> stored(role, s, mine);
            case FetchOutcome.Filling f -> filling(role, t, f);
            case FetchOutcome.Uncacheable u -> role == Role.FOLLOWER ? new FetchAlone(true)
                    : new Buffered(u.status(), u.headers(), u.body(), role == Role.ALONE ? Outcome.BYPASS : Outcome.MISS,
                            forwarded(role, t).withFwdStatus(u.status()).withDetail(u.reason())
                                    .withUpstream(upstream(u.headers())));
            case FetchOutcome.OriginFailed f -> staleOr(stale, CacheStatus.forwarded(CacheStatus.Fwd.STALE)
                            .withFwdStatus(f.status()),
                    new Buffered(f.status(), f.headers(), f.body(), Outcome.ERROR,
                            forwarded(role, t).withFwdStatus(f.status()).withUpstream(upstream(f.headers()))));
            case FetchOutcome.Unreachable u -> staleOr(stale, CacheStatus.forwarded(CacheStatus.Fwd.STALE)
                    .withDetail(u.busy() ? CacheStatus.Detail.ORIGIN_BUSY : u.down() ? CacheStatus.Detail.ORIGIN_DOWN
                            : CacheStatus.Detail.ORIGIN_UNREACHABLE),
                    unreachable(role, t, u));
            case FetchOutcome.Rejected r -> staleOr(stale, CacheStatus.forwarded(CacheStatus.Fwd.STALE)
                            .withDetail(CacheStatus.Detail.BODY_MISMATCH),
                    new Error(502, "origin_body_mismatch", r.message(),
                            forwarded(role, t).withFwdStatus(r.status()).withDetail(CacheStatus.Detail.BODY_MISMATCH)));
            case FetchOutcome.Truncated tr -> new Abort();
            case FetchOutcome.Relayed r -> new Abort(); // only ever the end of a filling, never a fetch's answer
            case FetchOutcome.Sliced sliced -> new FetchAlone(false); // MissFlow serves these from slices first
        };
    }

    private static Answer stored(Role role, FetchOutcome.Stored s, Optional<CachedObject> mine) {
        if (role == Role.FOLLOWER) {
            // The leader stored its own variant; ours may differ (Vary).
            return mine.<Answer>map(o -> new FromStore(o, Outcome.COLLAPSED,
                    CacheStatus.forwarded(CacheStatus.Fwd.MISS).withFwdStatus(o.status()).asStored().asCollapsed()
                            .withUpstream(upstream(o.headers()))))
                    .orElse(new FetchAlone(false));
        }
        CacheStatus status = s.revalidated()
                ? CacheStatus.forwarded(CacheStatus.Fwd.STALE).withFwdStatus(304)
                : CacheStatus.forwarded(CacheStatus.Fwd.MISS).withFwdStatus(s.object().status());
        status = s.kept() ? status.asStored() : status.withDetail("purged-while-fetching");
        // The entries of the upstream answer this fetch got (a shield's): on this answer only, never on later hits.
        status = status.withUpstream(upstream(s.object().headers()));
        return new FromStore(s.object(), s.revalidated() ? Outcome.REVALIDATED : Outcome.MISS, status);
    }

    /**
     * The fetch sent the client's own Range (one range, no whole stored copy to revalidate): what the origin
     * answered, a 206 or a 200 that ignores the range, is its answer to this very request, so it is relayed, never
     * asked for a second time.
     */
    private static boolean askedTheClientsRange(OriginFetch.Target t) {
        return PartialContent.rangeToAsk(t.stale(), t.requestHeaders(), Long.MAX_VALUE).isPresent();
    }

    private static Answer filling(Role role, OriginFetch.Target t, FetchOutcome.Filling f) {
        boolean storable = f.plan().storable();
        // "stored" is said when it is known before the body: a body of unknown length may still prove too large.
        boolean storedForSure = storable && f.originHeaders().has("content-length");
        if (role == Role.FOLLOWER) {
            if (!storable || !sameVariant(f, t.requestHeaders())) {
                return new FetchAlone(!storable);
            }
            CacheStatus status = CacheStatus.forwarded(CacheStatus.Fwd.MISS).withFwdStatus(f.status()).asCollapsed()
                    .withUpstream(upstream(f.originHeaders()));
            return new FromBody(f, Outcome.COLLAPSED, storedForSure ? status.asStored() : status, true);
        }
        if (!storable && !t.pass() && t.requestHeaders().has("range") && !askedTheClientsRange(t)) {
            // Not stored: let the origin answer the range itself rather than relaying the whole body.
            return new FetchAlone(true);
        }
        CacheStatus status = forwarded(role, t).withFwdStatus(f.status()).withUpstream(upstream(f.originHeaders()));
        if (storedForSure) {
            status = status.asStored();
        } else if (!storable) {
            status = status.withDetail(f.plan().notStoredBecause().orElse("not-stored"));
        }
        return new FromBody(f, role == Role.ALONE ? Outcome.BYPASS : Outcome.MISS, status, false);
    }

    /** The {@code Cache-Status} entries an upstream answer carried (a shield's, or a cache at the origin's). */
    private static Optional<String> upstream(Fields headers) {
        return headers.joined("cache-status");
    }

    /** Whether the follower's request selects the same variant of the answer as the leader's did. */
    private static boolean sameVariant(FetchOutcome.Filling f, Fields follower) {
        List<String> vary = Vary.names(f.originHeaders());
        return vary.isEmpty() || f.leaderVariant().equals(Vary.variant(vary, follower));
    }

    private static Answer unreachable(Role role, OriginFetch.Target t, FetchOutcome.Unreachable u) {
        return unreachable(u, forwarded(role, t));
    }

    /**
     * The error a client reads when no origin answered: why in a word, never which origin or what the socket said
     * (an origin's address is what one needs to go around the CDN; the access log's cache status keeps the detail).
     */
    static Error unreachable(FetchOutcome.Unreachable u, CacheStatus status) {
        if (u.busy()) {
            return new Error(503, "origin_busy", "the edge has as many origin requests open as it allows: "
                    + u.message() + "; try again", status.withDetail(CacheStatus.Detail.ORIGIN_BUSY));
        }
        if (u.down()) {
            return new Error(503, "origin_down", "the origin is down (its circuit breaker is open after repeated "
                    + "failures; the edge probes it in the background); try again later",
                    status.withDetail(CacheStatus.Detail.ORIGIN_DOWN));
        }
        if (u.timeout()) {
            return new Error(504, "origin_timeout", "the origin did not answer in time",
                    status.withDetail(CacheStatus.Detail.ORIGIN_TIMEOUT));
        }
        return new Error(502, "origin_unreachable", "no usable answer from the origin: its name did not resolve,"
                + " it refused or reset the connection, or it sent an answer this edge does not accept (a malformed"
                + " or oversized head)",
                status.withDetail(CacheStatus.Detail.ORIGIN_UNREACHABLE));
    }

    /** The stale copy when it may answer errors, else the fallback. */
    private static Answer staleOr(Optional<CachedObject> stale, CacheStatus staleStatus, Answer fallback) {
        return stale.<Answer>map(o -> new FromStore(o, Outcome.STALE, staleStatus)).orElse(fallback);
    }

    private static CacheStatus forwarded(Role role, OriginFetch.Target t) {
        if (role == Role.ALONE || t.pass()) {
            return CacheStatus.forwarded(CacheStatus.Fwd.BYPASS);
        }
        return t.stale().isPresent() && !t.stale().get().isPartial()
                ? CacheStatus.forwarded(CacheStatus.Fwd.STALE) : CacheStatus.forwarded(CacheStatus.Fwd.MISS);
    }

    /** The stored copy that may answer this request's errors now. */
    static Optional<CachedObject> usableStale(OriginFetch.Target t, Instant now) {
        return t.stale().filter(o -> o.usableOnError(now)).filter(o -> PartialContent.answers(o, t.requestHeaders()));
    }
}
