package dev.outpost.edge.http;

import dev.outpost.common.http.ErrorMappingHandler;
import dev.outpost.edge.cache.Action;
import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.Collapser;
import dev.outpost.edge.cache.Decisions;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.cache.PartialContent;
import dev.outpost.edge.origin.FetchOutcome;
import dev.outpost.edge.origin.OriginFetch;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.SameThreadExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;

/**
 * Carries out a miss or a revalidation: through the collapser (leader fetches on a blocking thread, followers
 * wait without holding a thread), or alone for hit-for-pass URLs and requests with credentials; then answers from the
 * outcome — stale copies answer when the origin fails and they are still usable.
 */
final class MissFlow {
    private enum Role { LEADER, FOLLOWER, ALONE }

    private final Collapser<FetchOutcome> collapser;
    private final OriginFetch fetch;
    private final CacheStore store;
    private final ResponseWriter writer;
    private final Executor blocking;
    private final Clock clock;

    MissFlow(Collapser<FetchOutcome> collapser, OriginFetch fetch, CacheStore store, ResponseWriter writer,
            Executor blocking, Clock clock) {
        this.collapser = collapser;
        this.fetch = fetch;
        this.store = store;
        this.writer = writer;
        this.blocking = blocking;
        this.clock = clock;
    }

    /** Starts the miss; must be called from within the exchange's handler call. */
    void start(HttpServerExchange ex, OriginFetch.Target t) {
        if (t.alone() || collapser.isPass(t.key())) {
            OriginFetch.Target alone = t.alone() ? t : t.asPass();
            ex.dispatch(blocking, () -> guarded(ex, () -> alone(ex, alone)));
            return;
        }
        switch (collapser.enter(t.key())) {
            case Collapser.Lead<FetchOutcome> lead ->
                    ex.dispatch(blocking, () -> guarded(ex, () -> lead(ex, t, lead)));
            case Collapser.Follow<FetchOutcome> follow -> ex.dispatch(SameThreadExecutor.INSTANCE,
                    () -> follow.result().whenComplete((outcome, error) -> guarded(ex,
                            () -> followed(ex, t, outcome, error))));
            case Collapser.Full<FetchOutcome> full -> staleOr(ex, t, "detail=collapse-overflow",
                    () -> writer.error(ex, 503, "collapse_overflow", full.waiters()
                            + " requests already wait for this URL; try again", "fwd=miss; detail=collapse-overflow"));
        }
    }

    private void lead(HttpServerExchange ex, OriginFetch.Target t, Collapser.Lead<FetchOutcome> lead) {
        FetchOutcome outcome;
        try {
            // Someone may have stored a fresh copy between our lookup and winning the flight. The very object we
            // chose to revalidate does not count (the edge's lease ran out: fresh or not, it is asked about).
            Optional<CachedObject> now = store.lookup(t.key(), t.requestHeaders());
            if (now.isPresent() && now.get() != t.stale().orElse(null)
                    && Decisions.decide("GET", now, clock.instant()) == Action.SERVE
                    && PartialContent.answers(now.get(), t.requestHeaders())) {
                lead.complete(new FetchOutcome.Stored(now.get(), false, CacheStore.Admission.STORED));
                writer.serveStored(ex, now.get(), t.requestHeaders(), CacheStatus.HIT, "hit");
                return;
            }
            outcome = timedFetch(ex, t);
        } catch (RuntimeException | Error e) {
            lead.fail(e);
            throw e;
        }
        notePass(t.key(), outcome);
        lead.complete(outcome);
        respond(ex, t, outcome, Role.LEADER);
    }

    /** A fetch outside the collapser; only a cache fetch's outcome may (re)mark the URL hit-for-pass. */
    private void alone(HttpServerExchange ex, OriginFetch.Target t) {
        FetchOutcome outcome = timedFetch(ex, t);
        if (!t.pass() && !t.alone()) { // an answer made with credentials says nothing about anonymous requests
            notePass(t.key(), outcome);
        }
        respond(ex, t, outcome, Role.ALONE);
    }

    private void followed(HttpServerExchange ex, OriginFetch.Target t, FetchOutcome outcome, Throwable error) {
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            if (cause instanceof TimeoutException) {
                staleOr(ex, t, "detail=collapse-timeout", () -> writer.error(ex, 504, "collapse_timeout",
                        "the origin fetch this request waited for took too long",
                        "fwd=miss; detail=collapse-timeout"));
            } else {
                staleOr(ex, t, "detail=leader-failed", () -> writer.error(ex, 502, "origin_error",
                        "the origin fetch failed: " + cause.getMessage(), "fwd=miss; detail=leader-failed"));
            }
            return;
        }
        respond(ex, t, outcome, Role.FOLLOWER);
    }

    private FetchOutcome timedFetch(HttpServerExchange ex, OriginFetch.Target t) {
        long start = System.nanoTime();
        try {
            return fetch.fetch(t);
        } finally {
            writer.originTime(ex, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private void notePass(String key, FetchOutcome outcome) {
        switch (outcome) {
            case FetchOutcome.Uncacheable u -> collapser.markPass(key);
            case FetchOutcome.Streaming s -> {
                if (s.lasting()) {
                    collapser.markPass(key);
                }
            }
            case FetchOutcome.Stored s -> collapser.clearPass(key);
            default -> { }
        }
    }

    private void respond(HttpServerExchange ex, OriginFetch.Target t, FetchOutcome outcome, Role role) {
        switch (outcome) {
            case FetchOutcome.Stored s -> {
                if (role == Role.FOLLOWER) {
                    // The leader stored its own variant; ours may differ (Vary).
                    Optional<CachedObject> mine = store.lookup(t.key(), t.requestHeaders())
                            .filter(o -> PartialContent.answers(o, t.requestHeaders()));
                    if (mine.isPresent()) {
                        writer.serveStored(ex, mine.get(), t.requestHeaders(), CacheStatus.COLLAPSED,
                                "hit; detail=collapsed");
                    } else {
                        blocking.execute(() -> guarded(ex, () -> alone(ex, t)));
                    }
                } else if (s.revalidated()) {
                    writer.serveStored(ex, s.object(), t.requestHeaders(), CacheStatus.REVALIDATED,
                            "fwd=stale; fwd-status=304; " + storedOrWhyNot(s));
                } else {
                    writer.serveStored(ex, s.object(), t.requestHeaders(), CacheStatus.MISS,
                            "fwd=miss; fwd-status=" + s.object().status() + "; " + storedOrWhyNot(s));
                }
            }
            case FetchOutcome.Uncacheable u -> {
                if (role == Role.FOLLOWER && u.headers().has("vary")) {
                    blocking.execute(() -> guarded(ex, () -> alone(ex, t)));
                } else {
                    CacheStatus status = role == Role.FOLLOWER ? CacheStatus.COLLAPSED
                            : role == Role.ALONE ? CacheStatus.BYPASS : CacheStatus.MISS;
                    // A cookie the origin set for the leader is never handed to the other waiters.
                    Fields headers = role == Role.FOLLOWER ? u.headers().without(List.of("set-cookie")) : u.headers();
                    writer.serveBuffered(ex, u.status(), headers, u.body(), status,
                            (role == Role.ALONE ? "fwd=bypass" : "fwd=miss") + "; fwd-status=" + u.status()
                                    + "; detail=" + u.reason());
                }
            }
            case FetchOutcome.Streaming s -> {
                if (role == Role.FOLLOWER) {
                    blocking.execute(() -> guarded(ex, () -> alone(ex, t)));
                } else if (!t.pass() && t.requestHeaders().has("range")) {
                    // Too large to store: let the origin answer the range rather than streaming the whole object.
                    s.response().close();
                    alone(ex, t.asPass());
                } else {
                    writer.stream(ex, s.response(), role == Role.ALONE ? CacheStatus.BYPASS : CacheStatus.MISS,
                            (role == Role.ALONE ? "fwd=bypass" : "fwd=miss") + "; fwd-status="
                                    + s.response().status() + "; detail=" + s.reason());
                }
            }
            case FetchOutcome.OriginFailed f -> staleOr(ex, t, "fwd-status=" + f.status(),
                    () -> writer.serveBuffered(ex, f.status(), f.headers(), f.body(), CacheStatus.ERROR,
                            "fwd=miss; fwd-status=" + f.status()));
            case FetchOutcome.Unreachable u -> staleOr(ex, t, "detail=origin-unreachable", () -> {
                if (u.timeout()) {
                    writer.error(ex, 504, "origin_timeout", "the origin did not answer in time",
                            "fwd=miss; detail=origin-timeout");
                } else {
                    writer.error(ex, 502, "origin_unreachable", "the origin refused or reset the connection",
                            "fwd=miss; detail=origin-unreachable");
                }
            });
            case FetchOutcome.Truncated tr -> writer.abort(ex);
            // Nothing was sent yet, so the client can get an honest 502 (or a stale copy) instead of a reset.
            case FetchOutcome.Rejected r -> staleOr(ex, t, "detail=body-mismatch", () -> writer.error(ex, 502,
                    "origin_body_mismatch", r.message(), "fwd=miss; fwd-status=" + r.status()
                            + "; detail=body-mismatch"));
        }
    }

    /** The Cache-Status parameter saying whether the answer was stored (RFC 9211 §2.6 {@code stored}). */
    private static String storedOrWhyNot(FetchOutcome.Stored s) {
        return s.kept() ? "stored" : "detail=purged-while-fetching";
    }

    /** Serves the stale copy if it may answer errors (stale-if-error), else runs the fallback. */
    private void staleOr(HttpServerExchange ex, OriginFetch.Target t, String why, Runnable fallback) {
        Optional<CachedObject> stale = t.stale().filter(o -> o.usableOnError(clock.instant()))
                .filter(o -> PartialContent.answers(o, t.requestHeaders()));
        if (stale.isPresent()) {
            writer.serveStored(ex, stale.get(), t.requestHeaders(), CacheStatus.STALE, "fwd=stale; " + why);
        } else {
            fallback.run();
        }
    }

    /** Exceptions off the handler call stack go through the same error mapping as everything else. */
    private static void guarded(HttpServerExchange ex, Runnable work) {
        try {
            new ErrorMappingHandler(e -> work.run()).handleRequest(ex);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
