package dev.outpost.edge.http;

import dev.outpost.edge.cache.Outcome;
import io.undertow.util.AttachmentKey;
import java.util.Optional;

/**
 * The per-request facts the access log and metrics need, attached to the exchange by {@link AccessLogHandler}
 * and filled in by whoever decides the outcome. Written by one thread at a time, read at completion.
 */
class RequestRecord { // not final: AccessLogHandler's completion listener is its own record (one object per request)
    static final AttachmentKey<RequestRecord> KEY = AttachmentKey.create(RequestRecord.class);

    final long startNanos;
    /** Null for requests that are not cache requests (health, metrics, admin): they are logged, not counted. */
    private volatile Outcome status;
    private volatile long originNanos;

    RequestRecord(long startNanos) {
        this.startNanos = startNanos;
    }

    Optional<Outcome> status() {
        return Optional.ofNullable(status);
    }

    void status(Outcome value) {
        status = value; // set once or twice per request (ERROR until an answer says otherwise): no Optional each time
    }

    long originMillis() {
        return originNanos / 1_000_000;
    }

    void addOriginNanos(long nanos) {
        originNanos += nanos;
    }
}
