package dev.outpost.common.http.accesslog;

import dev.outpost.common.trace.TraceContext;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What one request's access-log line is made of beyond the exchange itself: when it arrived, its trace context at
 * this node, and what the node's own handlers add (the edge's cache outcome, time spent on upstream requests).
 * Attached to the exchange by {@link AccessLogHandler}; handlers find it with {@link #of}. Written by one thread at a
 * time, read at completion.
 */
public final class AccessRecord {
    static final AttachmentKey<AccessRecord> KEY = AttachmentKey.create(AccessRecord.class);

    /** When it arrived, as the log's clock reads; {@link Instant#EPOCH} when no line is written (never shown). */
    final Instant received;
    final long startNanos;
    private final Supplier<TraceContext> traceSource;
    private final Function<TraceContext, String> requestIdOf;
    /** Made on first use: most requests (hits not logged) never need it, and drawing its ids costs. */
    private volatile TraceContext trace;
    private volatile String requestId;
    private volatile String outcome;
    private volatile long upstreamNanos;

    /**
     * @param traceSource  makes this node's trace context for the request (called at most once)
     * @param requestIdOf  the request id given that context (the client's X-Request-Id, or the span id)
     */
    AccessRecord(Instant received, long startNanos, Supplier<TraceContext> traceSource,
            Function<TraceContext, String> requestIdOf) {
        this.received = received;
        this.startNanos = startNanos;
        this.traceSource = traceSource;
        this.requestIdOf = requestIdOf;
    }

    /** The exchange's record; empty on a listener started without an access log (some tests). */
    public static Optional<AccessRecord> of(HttpServerExchange exchange) {
        return Optional.ofNullable(exchange.getAttachment(KEY));
    }

    /**
     * This node's trace context for the request: what it sends upstream and logs. Made on the first call; the
     * request's threads take turns (one at a time), so it is made once.
     */
    public TraceContext trace() {
        TraceContext t = trace;
        if (t == null) {
            t = traceSource.get();
            trace = t;
        }
        return t;
    }

    /** The request id the line shows: the client's {@code X-Request-Id} when a plain token, else the span id. */
    String requestId() {
        String id = requestId;
        if (id == null) {
            id = requestIdOf.apply(trace());
            requestId = id;
        }
        return id;
    }

    /** The request's outcome in the node's words (the edge: HIT, MISS, ...); the last one set is logged. */
    public void outcome(String value) {
        outcome = value;
    }

    Optional<String> outcome() {
        return Optional.ofNullable(outcome);
    }

    /** Adds time spent waiting on upstream requests (the edge: on its origin) for this request. */
    public void addUpstreamNanos(long nanos) {
        upstreamNanos += nanos; // one thread at a time: the request's own
    }

    long upstreamNanos() {
        return upstreamNanos;
    }
}
