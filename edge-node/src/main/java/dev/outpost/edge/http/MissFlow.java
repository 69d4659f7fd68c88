package dev.outpost.edge.http;

import dev.outpost.common.http.ErrorMappingHandler;
import dev.outpost.edge.cache.Action;
import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.Collapser;
import dev.outpost.edge.cache.Decisions;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.cache.PartialContent;
import dev.outpost.edge.origin.FetchOutcome;
import dev.outpost.edge.origin.FetchThreads;
import dev.outpost.edge.origin.Fill;
import dev.outpost.edge.origin.OriginFetch;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.SameThreadExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Carries out a miss or a revalidation, top-down: {@link #start} picks the request's role (leads the fetch for
 * its key, follows the one in flight, or fetches alone for hit-for-pass URLs and requests with credentials); the
 * leader fetches on a blocking thread and publishes the outcome as soon as the origin's head is in, so followers
 * read a body still arriving from its start; each request then gets the {@link Answer} its outcome calls for,
 * carried out by {@link ResponseWriter}. Decisions are in {@link Answer#to}; this class only runs them.
 */
final class MissFlow {
    private final Collapser<FetchOutcome> collapser;
    private final OriginFetch fetch;
    private final CacheStore store;
    private final ResponseWriter writer;
    private final FetchThreads blocking;
    private final Clock clock;
    private final SliceFlow slices;
    private final IoMissFlow ioMiss;

    MissFlow(Collapser<FetchOutcome> collapser, OriginFetch fetch, CacheStore store, ResponseWriter writer,
            FetchThreads blocking, Clock clock, SliceFlow slices) {
        this.slices = slices;
        this.collapser = collapser;
        this.fetch = fetch;
        this.store = store;
        this.writer = writer;
        this.blocking = blocking;
        this.clock = clock;
        this.ioMiss = new IoMissFlow(this, fetch, writer, clock);
    }

    /** origin.fetchOnIoThread: a lead the IO thread could not fetch (nothing answered yet) goes the blocking way. */
    void leadElsewhere(HttpServerExchange ex, OriginFetch.Target t, Collapser.Lead<FetchOutcome> lead) {
        blocking.execute(() -> guarded(ex, () -> lead(ex, t, lead)));
    }

    /** origin.fetchOnIoThread: the rest of a lead the IO thread began (an answer whose body is still arriving), on a fetch thread. */
    void onFetchThread(HttpServerExchange ex, Runnable work) {
        blocking.execute(() -> guarded(ex, work));
    }

    /** Starts the miss; must be called from within the exchange's handler call. */
    void start(HttpServerExchange ex, OriginFetch.Target t) {
        if (t.alone() || collapser.isPass(t.key())) {
            OriginFetch.Target alone = t.alone() ? t : t.asPass();
            ex.dispatch(blocking, () -> guarded(ex, () -> alone(ex, alone)));
            return;
        }
        switch (collapser.enter(t.key())) {
            case Collapser.Lead<FetchOutcome> lead -> {
                if (ioMiss.eligible(ex, t)) { // origin.fetchOnIoThread: stays on the IO thread
                    ex.dispatch(SameThreadExecutor.INSTANCE, () -> guarded(ex, () -> ioMiss.lead(ex, t, lead)));
                } else {
                    ex.dispatch(blocking, () -> guarded(ex, () -> lead(ex, t, lead)));
                }
            }
            case Collapser.Follow<FetchOutcome> follow -> ex.dispatch(SameThreadExecutor.INSTANCE,
                    () -> follow.result().whenComplete((outcome, error) -> guarded(ex,
                            () -> followed(ex, t, outcome, error))));
            case Collapser.Full<FetchOutcome> full -> answerStaleOr(ex, t, "collapse-overflow",
                    new Answer.Error(503, "collapse_overflow", full.waiters()
                            + " requests already wait for this URL; try again",
                            CacheStatus.forwarded(CacheStatus.Fwd.MISS).withDetail("collapse-overflow")));
        }
    }

    /**
     * Serves a sliced object whose head the store holds ({@code head}: while it is fresh; empty: its slice 0 is
     * fetched again); must be called from within the exchange's handler call.
     */
    void startSliced(HttpServerExchange ex, OriginFetch.Target t, Optional<CachedObject> head) {
        ex.dispatch(blocking, () -> guarded(ex, () -> sliced(ex, t, head)));
    }

    /** From slices; when the object cannot be sliced after all, fetched whole outside the collapser. */
    private void sliced(HttpServerExchange ex, OriginFetch.Target t, Optional<CachedObject> head) {
        slices.serve(ex, t, head, e -> alone(e, t));
    }

    /** Leads the key's fetch: publishes the outcome at the origin's head, ends the flight when the body is in. */
    private void lead(HttpServerExchange ex, OriginFetch.Target t, Collapser.Lead<FetchOutcome> lead) {
        Optional<CachedObject> storedMeanwhile = storedMeanwhile(t);
        if (storedMeanwhile.isPresent()) {
            lead.complete(new FetchOutcome.Stored(storedMeanwhile.get(), false, CacheStore.Admission.STORED));
            writer.serveStored(ex, storedMeanwhile.get(), t.requestHeaders(), Outcome.HIT, CacheStatus.hit());
            return;
        }
        FetchOutcome outcome;
        try {
            outcome = timedFetch(ex, t, true);
        } catch (RuntimeException | Error e) {
            lead.fail(e);
            throw e;
        }
        led(ex, t, lead, outcome);
    }

    /** The leader's fetch came back with {@code outcome}: published to followers, then answered. */
    void led(HttpServerExchange ex, OriginFetch.Target t, Collapser.Lead<FetchOutcome> lead, FetchOutcome outcome) {
        if (outcome instanceof FetchOutcome.Filling filling) {
            notePass(t.key(), filling);
            lead.publish(filling);
            filling.end().whenComplete((end, error) -> {
                if (end != null) {
                    notePass(t.key(), end);
                }
                lead.finish();
            });
        } else {
            notePass(t.key(), outcome);
            lead.complete(outcome);
        }
        answer(ex, t, Answer.Role.LEADER, outcome);
    }

    /** A fetch outside the collapser; only a cache fetch's outcome may (re)mark the URL hit-for-pass. */
    private void alone(HttpServerExchange ex, OriginFetch.Target t) {
        FetchOutcome outcome = timedFetch(ex, t);
        if (!t.pass() && !t.alone()) { // an answer made with credentials says nothing about anonymous requests
            notePass(t.key(), outcome);
        }
        answer(ex, t, Answer.Role.ALONE, outcome);
    }

    private void followed(HttpServerExchange ex, OriginFetch.Target t, FetchOutcome outcome, Throwable error) {
        if (error == null) {
            // Joined a flight whose body is in and stored already: answered from the store like the leader's.
            if (outcome instanceof FetchOutcome.Filling f && f.end().getNow(null) instanceof FetchOutcome.Stored s) {
                outcome = s;
            }
            answer(ex, t, Answer.Role.FOLLOWER, outcome);
            return;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof TimeoutException) {
            answerStaleOr(ex, t, CacheStatus.Detail.COLLAPSE_TIMEOUT, new Answer.Error(504, "collapse_timeout",
                    "the origin fetch this request waited for took too long",
                    CacheStatus.forwarded(CacheStatus.Fwd.MISS).withDetail(CacheStatus.Detail.COLLAPSE_TIMEOUT)));
        } else {
            answerStaleOr(ex, t, "leader-failed", new Answer.Error(502, "origin_error",
                    "the origin fetch failed: " + cause.getMessage(),
                    CacheStatus.forwarded(CacheStatus.Fwd.MISS).withDetail("leader-failed")));
        }
    }

    /** Decides the answer for this request and carries it out. */
    private void answer(HttpServerExchange ex, OriginFetch.Target t, Answer.Role role, FetchOutcome outcome) {
        if (outcome instanceof FetchOutcome.Sliced) {
            // The object is served from slices, fetched (and collapsed) slice by slice. A follower runs in the
            // leader's completion callback and must not hold it.
            if (role == Answer.Role.FOLLOWER || ex.isInIoThread()) {
                blocking.execute(() -> guarded(ex, () -> sliced(ex, t, Optional.empty())));
            } else {
                sliced(ex, t, Optional.empty());
            }
            return;
        }
        Optional<CachedObject> mine = role == Answer.Role.FOLLOWER && outcome instanceof FetchOutcome.Stored
                ? store.lookup(t.key(), t.requestHeaders()).filter(o -> PartialContent.answers(o, t.requestHeaders()))
                : Optional.empty();
        Answer answer = Answer.to(role, t, outcome, mine, Answer.usableStale(t, clock.instant()));
        if (role != Answer.Role.FOLLOWER && outcome instanceof FetchOutcome.Filling f
                && !(answer instanceof Answer.FromBody)) {
            f.first().close(); // this request does not read the body it fetched
            f.filler().startElsewhere(); // followers and the cache still get it
        }
        // The leader's (or a lone fetch's) blocking thread is free now: it relays its own body, one hand-off fewer
        // before the first byte. A follower runs in the leader's completion callback and must not hold it.
        carryOut(ex, t, answer, role != Answer.Role.FOLLOWER);
    }

    private void carryOut(HttpServerExchange ex, OriginFetch.Target t, Answer answer) {
        carryOut(ex, t, answer, false);
    }

    /** Hands {@code answer} to the writer; {@code relayHere}: a body is relayed on this (blocking) thread. */
    private void carryOut(HttpServerExchange ex, OriginFetch.Target t, Answer answer, boolean relayHere) {
        switch (answer) {
            case Answer.FromStore s -> writer.serveStored(ex, s.object(), t.requestHeaders(), s.outcome(), s.status());
            case Answer.FromBody b -> {
                Optional<Fill.Reader> reader = readerFor(b);
                if (reader.isEmpty()) { // the body's start is gone (a windowed relay): fetch for this request
                    carryOut(ex, t, new Answer.FetchAlone(false));
                } else if (relayHere && ex.isInIoThread()) { // a lead fetched on the IO thread (origin.fetchOnIoThread)
                    ioMiss.relay(ex, t, b, reader.get(),
                            () -> blocking.execute(() -> guarded(ex, () -> writer.relay(ex, t.requestHeaders(), b,
                                    reader.get()))));
                } else if (relayHere && b.filling().filler().pending()) {
                    readThenRelay(ex, t, b, reader.get());
                } else if (relayHere) {
                    writer.relay(ex, t.requestHeaders(), b, reader.get());
                } else {
                    blocking.execute(() -> guarded(ex, () -> writer.relay(ex, t.requestHeaders(), b, reader.get())));
                }
            }
            case Answer.Buffered b -> writer.serveBuffered(ex, b.statusCode(), b.headers(), b.body(), b.outcome(),
                    b.status());
            case Answer.Error e -> writer.error(ex, e.statusCode(), e.code(), e.message(), e.status());
            case Answer.Abort a -> writer.abort(ex);
            case Answer.FetchAlone a -> blocking.execute(() -> guarded(ex, () -> alone(ex,
                    a.asPass() ? t.asPass() : t)));
        }
    }

    /**
     * The leader of a small body reads it on this thread (followers read it as it comes, from the {@code Fill}),
     * then relays it here: head and body in one write. When the first bytes are not the whole body, or a read
     * would wait for the origin, the relay moves to a thread of its own before this thread waits, so the head goes
     * out as soon as the origin's came and the rest as it arrives, while this thread reads on.
     */
    private void readThenRelay(HttpServerExchange ex, OriginFetch.Target t, Answer.FromBody b, Fill.Reader reader) {
        AtomicBoolean relayTaken = new AtomicBoolean();
        Runnable relayElsewhere = () -> {
            if (relayTaken.compareAndSet(false, true)) {
                blocking.execute(() -> guarded(ex, () -> writer.relay(ex, t.requestHeaders(), b, reader)));
            }
        };
        try {
            b.filling().filler().runHere(relayElsewhere);
        } finally {
            if (relayTaken.compareAndSet(false, true)) { // the body is in (or broke): answered from here
                writer.relay(ex, t.requestHeaders(), b, reader);
            }
        }
    }

    /** The leader reads with the reader its fetch opened; a follower opens one from the body's start. */
    private static Optional<Fill.Reader> readerFor(Answer.FromBody b) {
        return b.outcome() == Outcome.COLLAPSED ? b.filling().fill().reader() : Optional.of(b.filling().first());
    }

    /** The stale copy when it may answer errors, else {@code fallback}. */
    private void answerStaleOr(HttpServerExchange ex, OriginFetch.Target t, String why, Answer fallback) {
        Optional<CachedObject> stale = Answer.usableStale(t, clock.instant());
        carryOut(ex, t, stale.<Answer>map(o -> new Answer.FromStore(o, Outcome.STALE,
                CacheStatus.forwarded(CacheStatus.Fwd.STALE).withDetail(why))).orElse(fallback));
    }

    /**
     * A fresh copy someone stored between this request's lookup and its winning the flight; the very object it
     * chose to revalidate does not count (the edge's lease ran out: fresh or not, it is asked about).
     */
    Optional<CachedObject> storedMeanwhile(OriginFetch.Target t) {
        return store.lookup(t.key(), t.requestHeaders())
                .filter(o -> o != t.stale().orElse(null))
                .filter(o -> Decisions.decide("GET", Optional.of(o), clock.instant()) == Action.SERVE)
                .filter(o -> PartialContent.answers(o, t.requestHeaders()));
    }

    private FetchOutcome timedFetch(HttpServerExchange ex, OriginFetch.Target t) {
        return timedFetch(ex, t, false);
    }

    /** {@code maySlice}: a client's miss led through the collapser, which may turn out to be sliced. */
    private FetchOutcome timedFetch(HttpServerExchange ex, OriginFetch.Target t, boolean maySlice) {
        long start = System.nanoTime();
        try {
            return maySlice ? fetch.fetchForMiss(t) : fetch.fetch(t);
        } finally {
            writer.originTime(ex, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** Hit-for-pass: an answer that may not be stored for a lasting reason sends the URL around the collapser. */
    private void notePass(String key, FetchOutcome outcome) {
        switch (outcome) {
            case FetchOutcome.Uncacheable u -> collapser.markPass(key);
            case FetchOutcome.Filling f -> {
                if (!f.plan().storable() && f.plan().lasting()) {
                    collapser.markPass(key);
                }
            }
            case FetchOutcome.Relayed r -> {
                if (r.lasting()) {
                    collapser.markPass(key);
                }
            }
            case FetchOutcome.Stored s -> collapser.clearPass(key);
            default -> { }
        }
    }

    /** Exceptions off the handler call stack go through the same error mapping as everything else. */
    static void guarded(HttpServerExchange ex, Runnable work) {
        try {
            new ErrorMappingHandler(e -> work.run()).handleRequest(ex);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
