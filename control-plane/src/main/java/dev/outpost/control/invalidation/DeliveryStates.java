package dev.outpost.control.invalidation;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Every change to an edge's delivery of an entry, as SQL over the {@code deliveries} table, and what follows it: the
 * entry may have settled ({@link Settlements}, the metrics) and whoever waits on the log for it is woken. Each
 * statement moves a delivery only out of the states it may leave, so an answer that arrives late (a heartbeat after
 * a fence, a live ack after a dead letter) changes nothing.
 *
 * <p>Delivery updates commit on SQLite with {@code synchronous=NORMAL}, without an fsync of their own (six fsyncs per
 * purge on six edges were a third of its time to complete, bench SixEdgePurge): one lost in a crash is recovered like
 * any pending delivery (marked behind at restart, set applied from the edge's next heartbeat), and the next append's
 * fsync makes every earlier WAL frame durable too.
 *
 * <p>Not thread-safe: every method is called under the log's monitor, which it notifies.
 */
final class DeliveryStates {
    private final LogStore store;
    private final Clock clock;
    private final Settlements settlements;
    private final DeliveryObserver observer;
    /** The log, whose waiters ({@code awaitComplete}) are woken by every change. */
    private final Object monitor;
    /** Per node, the entry a live call is delivering right now (a lane sends one at a time). */
    private final Map<String, Long> liveInFlight = new HashMap<>();

    DeliveryStates(LogStore store, Clock clock, Settlements settlements, DeliveryObserver observer, Object monitor) {
        this.store = store;
        this.clock = clock;
        this.settlements = settlements;
        this.observer = observer;
        this.monitor = monitor;
    }

    /**
     * Applied (with what the edge reported) or failed: a heartbeat may have reported the entry applied first (it
     * raced the live answer), so an applied delivery without a detail still takes the result, the first applied
     * time kept.
     */
    void report(long sequence, String node, Delivery.State state, Optional<String> detail) {
        changed(sequence, store.update("UPDATE deliveries SET state = ?, applied_at = coalesce(applied_at, ?), "
                + "detail = ? WHERE sequence = ? AND node = ? AND (state IN ('pending', 'behind', 'fenced') "
                + "OR state = 'applied' AND detail IS NULL)", state.wireName(), clock.instant().toEpochMilli(),
                detail.orElse(null), sequence, node));
    }

    /**
     * Everything up to {@code sequence} applied, except the entry a live call is delivering to the node
     * ({@link #sendingLive}): the edge advances its mark before it answers, so a heartbeat can report the entry
     * applied first, and settling it then would let a waiting client see it complete without what the edge did.
     * Deliveries the edge was fenced from count as covered: a fenced edge revalidates everything (or starts empty)
     * before it reports past them.
     */
    int appliedUpTo(String node, long sequence) {
        long live = liveInFlight.getOrDefault(node, 0L);
        return changedThrough(sequence, store.update("UPDATE deliveries SET applied_at = ?, detail = CASE WHEN "
                + "state = 'fenced' THEN 'covered: the edge revalidated everything (or started empty) after it was "
                + "fenced' ELSE NULL END, state = 'applied' WHERE node = ? AND sequence <= ? AND sequence <> ? "
                + "AND state IN ('pending', 'behind', 'fenced')", clock.instant().toEpochMilli(), node, sequence,
                live));
    }

    void sendingLive(long sequence, String node) {
        liveInFlight.put(node, sequence);
    }

    void answeredLive(String node) {
        liveInFlight.remove(node);
    }

    int removed(String node) {
        return changedThrough(Long.MAX_VALUE, store.update("UPDATE deliveries SET state = 'removed', "
                + "detail = 'node removed from the registry' "
                + "WHERE node = ? AND state IN ('pending', 'behind', 'fenced')", node));
    }

    int fenced(String node, String reason) {
        return changedThrough(Long.MAX_VALUE, store.update("UPDATE deliveries SET state = 'fenced', detail = ? "
                + "WHERE node = ? AND state IN ('pending', 'behind')", reason, node));
    }

    int pendingBehind(String reason) {
        return changed(store.update("UPDATE deliveries SET state = 'behind', detail = ? WHERE state = 'pending'",
                reason));
    }

    void behind(long sequence, String node, String reason) {
        changed(store.update("UPDATE deliveries SET state = 'behind', detail = ? WHERE sequence = ? AND node = ? "
                + "AND state = 'pending'", reason, sequence, node));
    }

    /**
     * Counts a push the edge answered with an error; a node that registered after the entry was accepted gets a
     * delivery row for it now, so the count has a home. Returns the count.
     */
    int countTry(long sequence, String node, String reason) {
        insertBehind(sequence, node);
        changed(sequence, store.update("UPDATE deliveries SET tries = tries + 1, detail = ?, state = 'behind' "
                + "WHERE sequence = ? AND node = ? AND state IN ('pending', 'behind')", reason, sequence, node));
        return store.deadLetters.deliveryState(sequence, node).map(Map.Entry::getValue).orElse(0);
    }

    /** Dead-letters a pending or behind delivery (a row made for it if need be); whether it was dead-lettered now. */
    boolean deadLettered(long sequence, String node, String reason, boolean refused) {
        insertBehind(sequence, node);
        int changed = store.update("UPDATE deliveries SET state = 'dead_lettered', detail = ?, dead_lettered_at = ?, "
                + "tries = tries + ? WHERE sequence = ? AND node = ? AND state IN ('pending', 'behind')", reason,
                clock.instant().toEpochMilli(), refused ? 1 : 0, sequence, node);
        if (changed > 0) {
            observer.deadLettered(node, refused);
        }
        return changed(sequence, changed) > 0;
    }

    boolean retried(long sequence, String node, String answer) {
        return changed(sequence, store.update("UPDATE deliveries SET state = 'applied', applied_at = ?, detail = ?, "
                + "tries = tries + 1 WHERE sequence = ? AND node = ? AND state = 'dead_lettered'",
                clock.instant().toEpochMilli(), answer, sequence, node)) > 0;
    }

    void retryFailed(long sequence, String node, String reason) {
        store.update("UPDATE deliveries SET tries = tries + 1, detail = ? WHERE sequence = ? AND node = ? "
                + "AND state = 'dead_lettered'", reason, sequence, node);
    }

    boolean discarded(long sequence, String node, String by) {
        return changed(sequence, store.update("UPDATE deliveries SET state = 'discarded', "
                + "detail = 'discarded by ' || ? || ': ' || coalesce(detail, '') "
                + "WHERE sequence = ? AND node = ? AND state = 'dead_lettered'", by, sequence, node)) > 0;
    }

    /** Pushes accepted before {@code cutoffMillis} that some edge never got: those deliveries are expired. */
    int expirePushes(long cutoffMillis) {
        return changedThrough(Long.MAX_VALUE, store.update("UPDATE deliveries SET state = 'expired', "
                + "detail = 'the push expired before this edge got it; pushes are not replayed' "
                + "WHERE state IN ('pending', 'behind') AND sequence IN "
                + "(SELECT sequence FROM entries WHERE kind = 'push' AND accepted_at < ?)", cutoffMillis));
    }

    /** A delivery row for a node that registered after the entry was accepted, so what follows has a row to change. */
    private void insertBehind(long sequence, String node) {
        store.update("INSERT INTO deliveries (sequence, node, state) VALUES (?, ?, 'behind') ON CONFLICT DO NOTHING",
                sequence, node);
    }

    /** {@code count} deliveries changed: waiters look again. */
    int changed(int count) {
        if (count > 0) {
            monitor.notifyAll();
        }
        return count;
    }

    /** Deliveries of entry {@code sequence} changed: it may have settled. */
    private int changed(long sequence, int count) {
        if (count > 0) {
            settlements.check(sequence, store::deliveries);
        }
        return changed(count);
    }

    /** Deliveries of entries up to {@code through} changed: some may have settled. */
    private int changedThrough(long through, int count) {
        if (count > 0) {
            settlements.checkThrough(through, store::deliveries);
        }
        return changed(count);
    }
}
