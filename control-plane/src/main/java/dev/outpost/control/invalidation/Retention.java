package dev.outpost.control.invalidation;

import dev.outpost.control.LogSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * What the log keeps, so its history stays bounded: entries within the retention (younger than
 * {@code log.retention} and among the newest {@code log.retentionEntries}), with their delivery states;
 * Idempotency-Keys within their lifetime; and pushes within {@code log.pushExpiry}, since pushes are hints: catch-up
 * never hands out an older one. Compaction remembers per regions text the highest sequence it deleted
 * ({@link SequenceMarks}): an edge whose applied sequence is below that for its region is behind the kept log and is
 * told to revalidate everything instead.
 */
final class Retention {
    private final LogStore store;
    private final Clock clock;
    private final LogSettings settings;
    private final SequenceMarks marks;
    private final Settlements settlements;
    /** The log: compaction takes it batch by batch, so appends and acks get it in between, and wakes its waiters. */
    private final Object monitor;
    /** Whether the log closed; read under {@link #monitor}. */
    private final BooleanSupplier closed;

    Retention(LogStore store, Clock clock, LogSettings settings, SequenceMarks marks, Settlements settlements,
            Object monitor, BooleanSupplier closed) {
        this.store = store;
        this.clock = clock;
        this.settings = settings;
        this.marks = marks;
        this.settlements = settlements;
        this.monitor = monitor;
        this.closed = closed;
    }

    /** Pushes accepted before this time (epoch milliseconds) are past their expiry: never handed out again. */
    long pushCutoff() {
        return clock.instant().toEpochMilli() - settings.pushExpiry().toMillis();
    }

    /** Deletes entries past the retention and keys older than {@code keyLifetime}; returns how many entries went. */
    int compact(Duration keyLifetime) {
        long through;
        synchronized (monitor) {
            Instant now = clock.instant();
            store.forgetKeys(now.minus(keyLifetime));
            through = store.compactionPoint(now.minus(settings.retention()),
                    settings.retentionEntries());
        }
        int total = 0;
        while (through > 0) {
            int deleted;
            // batch by batch, so appends and acks get the lock in between
            synchronized (monitor) {
                if (closed.getAsBoolean()) {
                    break;
                }
                deleted = store.compactBatch(through, marks.compacted());
                settlements.forgetThrough(through);
                if (deleted > 0) {
                    monitor.notifyAll(); // waiters look again
                }
            }
            if (deleted == 0) {
                break;
            }
            total += deleted;
        }
        return total;
    }
}
