package dev.outpost.edge.http;

import dev.outpost.common.http.accesslog.AccessRecord;
import dev.outpost.edge.cache.Outcome;
import io.undertow.util.AttachmentKey;
import java.util.Optional;

/**
 * The per-request facts the metrics and the access log need, attached to the exchange by {@link OutcomeHandler}
 * and filled in by whoever decides the outcome; each fact is handed on to the listener's {@link AccessRecord} as
 * it is set (so {@code Server-Timing}, written as the response commits, has it too). Written by one thread at a
 * time, read at completion.
 */
class RequestRecord { // not final: OutcomeHandler's completion listener is its own record (one object per request)
    static final AttachmentKey<RequestRecord> KEY = AttachmentKey.create(RequestRecord.class);

    final long startNanos;
    /** Empty on a listener without an access log. */
    private final Optional<AccessRecord> access;
    /** Null for requests that are not cache requests (health, metrics, admin): they are logged, not counted. */
    private volatile Outcome status;

    RequestRecord(long startNanos, Optional<AccessRecord> access) {
        this.startNanos = startNanos;
        this.access = access;
    }

    Optional<Outcome> status() {
        return Optional.ofNullable(status);
    }

    void status(Outcome value) {
        status = value; // set once or twice per request (ERROR until an answer says otherwise): no Optional each time
        if (access.isPresent()) {
            access.get().outcome(value.name());
        }
    }

    void addOriginNanos(long nanos) {
        if (access.isPresent()) {
            access.get().addUpstreamNanos(nanos);
        }
    }
}
