package dev.outpost.control.invalidation;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How entries enter the log. An append commits durably (SQLite {@code synchronous=FULL}, PostgreSQL's synchronous
 * commit): it is on disk before it returns, and the API answers 202 only after that, so an acknowledged purge
 * survives a crash of the control plane. An entry, its initial deliveries (one per edge in scope at that moment) and
 * its {@code Idempotency-Key} are written in the same transaction, so after a restart the history, the sequence, the
 * pending acks and the keys are exactly as acknowledged. Sequences come from the store's gap-free counter, taken in
 * the appending transaction: strictly increasing, never reused, without holes, even across restarts and with appends
 * from several connections. A key used again for the same request answers the first entry instead, even once that
 * entry was compacted away.
 *
 * <p>Not thread-safe: every method is called under the log's monitor, which it notifies of each entry appended.
 */
final class Appends {
    private final LogStore store;
    private final Clock clock;
    private final SequenceMarks marks;
    private final Settlements settlements;
    /** The log, whose waiters ({@code awaitComplete}) are woken by every append. */
    private final Object monitor;

    Appends(LogStore store, Clock clock, SequenceMarks marks, Settlements settlements, Object monitor) {
        this.store = store;
        this.clock = clock;
        this.marks = marks;
        this.settlements = settlements;
        this.monitor = monitor;
    }

    InvalidationLog.Appended append(NewEntry entry, Map<String, Delivery.State> deliveries, String requestedBy,
            Optional<IdempotencyKey> key) {
        Optional<LoggedEntry> earlier = key.flatMap(this::replay);
        if (earlier.isPresent()) {
            return new InvalidationLog.Appended(earlier.get(), true);
        }
        Instant now = clock.instant();
        long sequence;
        try {
            sequence = store.append(entry, deliveries, requestedBy, now, key);
        } catch (LogStore.KeyTaken e) {
            // a concurrent request with the same key (another control plane's) committed first: answer its entry
            return new InvalidationLog.Appended(replay(key.orElseThrow()).orElseThrow(), true);
        }
        return new InvalidationLog.Appended(appended(entry, sequence, deliveries, requestedBy, now), false);
    }

    List<LoggedEntry> appendAll(List<NewEntry> entries, Map<String, Delivery.State> deliveries, String requestedBy,
            InvalidationLog.AlsoWrite alsoWrite) {
        Instant now = clock.instant();
        List<Long> sequences = store.appendAll(entries, deliveries, requestedBy, now, Optional.empty(), alsoWrite);
        List<LoggedEntry> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            out.add(appended(entries.get(i), sequences.get(i), deliveries, requestedBy, now));
        }
        return out;
    }

    private LoggedEntry appended(NewEntry entry, long sequence, Map<String, Delivery.State> deliveries,
            String requestedBy, Instant now) {
        marks.appended(entry, sequence);
        settlements.accepted(sequence, entry.kind(), now, deliveries.entrySet().stream()
                .map(d -> new Delivery(d.getKey(), d.getValue(), Optional.empty(), Optional.empty())).toList());
        monitor.notifyAll();
        return new LoggedEntry(entry.withSequence(sequence), now, requestedBy);
    }

    /**
     * The entry a key was first used for, if the same token used it for the same request within the key's
     * lifetime; empty for a new key.
     *
     * @throws IdempotencyKey.Reused when the key was used for a different request
     */
    Optional<LoggedEntry> replay(IdempotencyKey key) {
        Optional<LogStore.KeyUse> use = store.keyUse(key);
        if (use.isEmpty()) {
            return Optional.empty();
        }
        if (!use.get().fingerprint().equals(key.fingerprint())) {
            throw new IdempotencyKey.Reused(key.key(), use.get().sequence());
        }
        LoggedEntry first = store.entry(use.get().sequence()).orElseGet(() -> new LoggedEntry(
                compactedStub(use.get().sequence(), use.get().kind()), use.get().createdAt(), key.principal()));
        return Optional.of(first);
    }

    /** An entry that was answered under a key but has since been compacted: its id still answers the retry. */
    private static InvalidationEntry compactedStub(long sequence, Kind kind) {
        return new InvalidationEntry(sequence, kind, List.of(), List.of(), List.of(), List.of(), false, false,
                List.of());
    }

    /** Records that {@code key} was answered with entry {@code sequence} (which was made by another request). */
    void remember(IdempotencyKey key, long sequence) {
        store.rememberKey(key, sequence, clock.instant());
    }
}
