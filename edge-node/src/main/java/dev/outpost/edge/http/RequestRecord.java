package dev.outpost.edge.http;

import dev.outpost.edge.cache.CacheStatus;
import io.undertow.util.AttachmentKey;
import java.util.Optional;

/**
 * The per-request facts the access log and metrics need, attached to the exchange by {@link AccessLogHandler}
 * and filled in by whoever decides the outcome. Written by one thread at a time, read at completion.
 */
final class RequestRecord {
    static final AttachmentKey<RequestRecord> KEY = AttachmentKey.create(RequestRecord.class);

    final long startNanos;
    /** Empty for requests that are not cache requests (health, metrics, admin): they are logged, not counted. */
    private volatile Optional<CacheStatus> status = Optional.empty();
    private volatile long originNanos;

    RequestRecord(long startNanos) {
        this.startNanos = startNanos;
    }

    Optional<CacheStatus> status() {
        return status;
    }

    void status(CacheStatus value) {
        status = Optional.of(value);
    }

    long originMillis() {
        return originNanos / 1_000_000;
    }

    void addOriginNanos(long nanos) {
        originNanos += nanos;
    }
}
