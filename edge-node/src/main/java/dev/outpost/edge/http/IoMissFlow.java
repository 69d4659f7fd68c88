package dev.outpost.edge.http;

import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.Collapser;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.origin.FetchOutcome;
import dev.outpost.edge.origin.Fill;
import dev.outpost.edge.origin.IoCounts;
import dev.outpost.edge.origin.IoOrigin;
import dev.outpost.edge.origin.OriginFetch;
import dev.outpost.edge.origin.OriginResponse;
import dev.outpost.edge.origin.OriginSlots;
import dev.outpost.edge.origin.PendingFiller;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code origin.fetchOnIoThread} (on by default): a leader's miss with no stored copy and no range,
 * for a service whose first origin is plain HTTP, without shields (when it fails, the next origins are asked the
 * blocking way), fetched and answered on the client connection's
 * own IO thread ({@link IoOrigin}), as an event-loop proxy does: no hand-off to a fetch thread and back. The rest
 * of the pipeline is the normal one ({@link OriginFetch#ioOutcome}, {@link MissFlow#led}); a small body kept
 * whole in memory is written from here ({@link BodyRelay#relayComplete}). An answer whose body is not whole with
 * its head (chunked, large, or slow) goes on from its open response: its head and the bytes that came with it are
 * written from here, the rest is read by a filler thread and relayed by a fetch thread, as the blocking path's
 * would be; what the IO thread cannot do before a head came (no connection, a failed send) goes the blocking way
 * before anything was answered. Every path is counted.
 */
final class IoMissFlow {
    /**
     * The body bytes that came with the head of an answer whose body is still arriving, set while its outcome is
     * decided on the IO thread: the leader's relay sends them with the head from there ({@link #relay}).
     */
    private static final AttachmentKey<ByteBuffer> RECEIVED_WITH_HEAD = AttachmentKey.create(ByteBuffer.class);

    private final MissFlow flow;
    private final OriginFetch fetch;
    private final ResponseWriter writer;
    private final Clock clock;

    IoMissFlow(MissFlow flow, OriginFetch fetch, ResponseWriter writer, Clock clock) {
        this.flow = flow;
        this.fetch = fetch;
        this.writer = writer;
        this.clock = clock;
    }

    /** Whether this lead is fetched on the IO thread; must be called from within the exchange's handler call. */
    boolean eligible(HttpServerExchange ex, OriginFetch.Target t) {
        if (!fetch.fetchesOnIoThread()) { // origin.fetchOnIoThread
            return false;
        }
        List<URI> origins = t.route().origins();
        boolean eligible = ex.isInIoThread() && !t.pass() && t.stale().isEmpty() && !t.requestHeaders().has("range")
                && t.route().service().shieldRegion().isEmpty() && !origins.isEmpty()
                && "http".equalsIgnoreCase(origins.get(0).getScheme());
        if (!eligible) {
            IoCounts.count(IoCounts.Count.NOT_ELIGIBLE);
        }
        return eligible;
    }

    /** Leads the key's fetch from the IO thread (dispatched to the same thread: the exchange stays open). */
    void lead(HttpServerExchange ex, OriginFetch.Target t, Collapser.Lead<FetchOutcome> lead) {
        Optional<CachedObject> storedMeanwhile = flow.storedMeanwhile(t);
        if (storedMeanwhile.isPresent()) {
            lead.complete(new FetchOutcome.Stored(storedMeanwhile.get(), false, CacheStore.Admission.STORED));
            writer.serveStored(ex, storedMeanwhile.get(), t.requestHeaders(), Outcome.HIT, CacheStatus.hit());
            return;
        }
        OriginFetch.IoAsk ask;
        try {
            ask = fetch.ioAsk(t);
        } catch (RuntimeException | Error e) {
            lead.fail(e);
            throw e;
        }
        if (!ask.allows(t.route().origins().get(0))) { // an open circuit (counted short-circuited once, here)
            IoCounts.count(IoCounts.Count.CIRCUIT_OPEN);
            if (t.route().origins().size() > 1) {
                flow.leadElsewhere(ex, t.withoutFirstOrigin(), lead); // the next origins, the blocking way
            } else {
                MissFlow.guarded(ex, () -> flow.led(ex, t, lead, new FetchOutcome.Unreachable(false, false, true,
                        "every origin of this service is down (circuit open): " + t.route().origins())));
            }
            return;
        }
        Optional<OriginSlots.Slot> slot = ask.slots().tryAcquire(t.route().origins().get(0), t.client().address());
        if (slot.isEmpty()) { // a cap is full: the blocking way waits for a place (origin.queueWait), or says busy
            IoCounts.count(IoCounts.Count.NO_SLOT_AT_ONCE);
            flow.leadElsewhere(ex, t, lead);
            return;
        }
        long start = System.nanoTime();
        IoOrigin.get(ex.getIoThread(), ex.getConnection().getByteBufferPool(), t.route().origins().get(0),
                t.route().origins().size() > 1, t.target(), ask.headers(), ask.timeouts(), ask.maxHeaderBytes(),
                slot.get(), ask.client(), clock,
                new IoOrigin.Answered() {
                    @Override
                    public void answered(OriginResponse response) {
                        writer.originTime(ex, Duration.ofNanos(System.nanoTime() - start));
                        Runnable led = () -> {
                            FetchOutcome outcome;
                            try {
                                outcome = fetch.ioOutcome(t, response, ask.ticket());
                            } catch (RuntimeException | Error e) {
                                response.close();
                                lead.fail(e);
                                throw e;
                            }
                            flow.led(ex, t, lead, outcome); // answers through relay() below when it can
                        };
                        if (response.bodyInMemory() && OriginFetch.fillsWithoutWaiting(response)
                                && fetch.tryFillWithoutWaiting(() -> MissFlow.guarded(ex, led))) {
                            return; // answered here
                        }
                        if (!response.bodyInMemory() && fetch.streamsWithoutWaiting(t, response)) {
                            // The body is still arriving, read by a filler thread it starts: the outcome is decided
                            // on this IO thread, and the head goes out from it with the bytes that came with it
                            // (relay below). Not from inside this callback: it runs in Undertow's client read
                            // listener, which still sets the connection's buffer state after it returns, and a
                            // filler started before that could read the body's end (and what came after it) while
                            // it did: 5 of 500 IoMissOverrunIT runs under load stored an answer the origin overran.
                            // Queued on the same thread, it starts once the listener returned (0 of 1,000).
                            ex.putAttachment(RECEIVED_WITH_HEAD, response.receivedWithHead());
                            ex.getIoThread().execute(() -> MissFlow.guarded(ex, led));
                            return;
                        }
                        if (response.bodyInMemory()) { // a purge holds the store's fence, or memory is short
                            IoCounts.count(IoCounts.Count.FILL_ON_FETCH_THREAD);
                        }
                        // The body is still on its connection (or storing it could wait: direct memory short, a
                        // purge holding the store's fence): from the head on, this answer is the blocking path's
                        // (head relayed at once, the body read by a filler as it comes), on a fetch thread, and no
                        // second request is sent. Handed over from a task queued on this IO thread, not from inside
                        // this callback, for the reason above: Undertow's client listener must have returned before
                        // another thread reads the connection.
                        ex.getIoThread().execute(() -> flow.onFetchThread(ex, led));
                    }

                    @Override
                    public void timedOut(String message) {
                        writer.originTime(ex, Duration.ofNanos(System.nanoTime() - start));
                        unanswered(ex, t, lead, true, message);
                    }

                    @Override
                    public void failed(IoCounts.Count why, Exception cause) {
                        writer.originTime(ex, Duration.ofNanos(System.nanoTime() - start));
                        if (why == IoCounts.Count.FALLBACK_BAD_CONTENT_LENGTH
                                || why == IoCounts.Count.FALLBACK_INTERIM
                                || why == IoCounts.Count.FALLBACK_UNREADABLE_ANSWER) {
                            // an answer this client cannot read: the blocking way, which asks the origin again
                            flow.leadElsewhere(ex, t, lead);
                        } else {
                            unanswered(ex, t, lead, false, String.valueOf(cause));
                        }
                    }
                });
    }

    /**
     * The first origin gave no usable answer (no connection, no head in time, a server error when another origin
     * is listed): as the blocking client, the next origins are asked (the blocking way, the first one not again),
     * and with none left the miss is unreachable: 504 for a timeout, else 502 (no stale copy takes this path).
     */
    private void unanswered(HttpServerExchange ex, OriginFetch.Target t, Collapser.Lead<FetchOutcome> lead,
            boolean timeout, String message) {
        if (t.route().origins().size() > 1) {
            IoCounts.count(IoCounts.Count.FAILED_OVER);
            flow.leadElsewhere(ex, t.withoutFirstOrigin(), lead);
        } else {
            MissFlow.guarded(ex, () -> flow.led(ex, t, lead,
                    new FetchOutcome.Unreachable(timeout, false, "no origin answered: " + message)));
        }
    }

    /**
     * The leader's own body, on the IO thread: a small body left to its leader is read here from memory (never
     * waits), and once whole goes out in one non-blocking send; a body still arriving whose outcome was decided
     * here (its filler started at once, so followers find its first bytes in the fill) has its head and first
     * bytes sent from here and the rest relayed on a fetch thread ({@link BodyRelay#relayFromHead}); any other goes
     * through {@code elsewhere}.
     *
     * <p>Only a filler run here, to its end, makes the fetch's end mean the body is whole in the fill. One started
     * at once on a fetch thread (a body not left to its leader: not kept, like a close-delimited or no-store one,
     * or of unknown length) completes the end just before it finishes the fill ({@code StreamedFetch}): relayed from
     * here in between, the reader found the body short and the client's connection was closed before any head
     * (about 1 miss in 500 of a close-delimited answer). Such a body goes through {@code elsewhere}, which waits.
     */
    void relay(HttpServerExchange ex, OriginFetch.Target t, Answer.FromBody b, Fill.Reader reader,
            Runnable elsewhere) {
        ByteBuffer withHead = ex.removeAttachment(RECEIVED_WITH_HEAD);
        if (withHead != null) { // a body still arriving, its filler started on a thread of its own
            IoCounts.count(IoCounts.Count.HEAD_FROM_IO_THREAD);
            writer.relayFromHead(ex, t.requestHeaders(), b, reader, withHead, rest -> flow.onFetchThread(ex, rest));
            return;
        }
        PendingFiller filler = b.filling().filler();
        // the body is in memory: a filler run here reads it whole without waiting
        boolean filledHere = filler.runHere(() -> { });
        if (filledHere && b.filling().end().isDone()) {
            IoCounts.count(IoCounts.Count.ANSWERED_FROM_IO_THREAD);
            writer.relayComplete(ex, t.requestHeaders(), b, reader);
        } else {
            IoCounts.count(IoCounts.Count.ANSWER_ELSEWHERE);
            elsewhere.run();
        }
    }
}
