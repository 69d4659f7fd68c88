package dev.outpost.common.http.accesslog;

import dev.outpost.common.trace.TraceContext;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import java.time.Instant;
import java.util.Optional;

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
    private final TraceContext trace;
    final String requestId;
    private volatile String outcome;
    private volatile long upstreamNanos;

    AccessRecord(Instant received, long startNanos, TraceContext trace, String requestId) {
        this.received = received;
        this.startNanos = startNanos;
        this.trace = trace;
        this.requestId = requestId;
    }

    /** The exchange's record; empty on a listener started without an access log (some tests). */
    public static Optional<AccessRecord> of(HttpServerExchange exchange) {
        return Optional.ofNullable(exchange.getAttachment(KEY));
    }

    /** This node's trace context for the request: what it sends upstream. */
    public TraceContext trace() {
        return trace;
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
