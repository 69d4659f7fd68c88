package dev.outpost.control.invalidation;

import dev.outpost.common.wire.InvalidationEntry;
import java.util.List;
import java.util.Optional;

/**
 * The log's dead letters ({@link InvalidationLog#deadLetters()}): deliveries an edge refused as invalid or could not
 * apply within {@code delivery.maxTries}, which an operator retries or discards (docs/control-plane.md). The changes
 * to them are {@link DeliveryStates}' statements, the reads {@link DeadLetterRows}'; like every other use of the log's
 * store, each method holds the log's monitor, so it is ordered with appends and acks and wakes the log's waiters.
 */
public final class DeadLetters {
    /** The log, whose monitor every method holds. */
    private final InvalidationLog log;
    private final LogStore store;
    private final DeliveryStates deliveryStates;

    DeadLetters(InvalidationLog log, LogStore store, DeliveryStates deliveryStates) {
        this.log = log;
        this.store = store;
        this.deliveryStates = deliveryStates;
    }

    /** Counts a push of {@code sequence} that {@code node} answered with an error; returns how many it answered so. */
    public int countTry(long sequence, String node, String reason) {
        synchronized (log) {
            return deliveryStates.countTry(sequence, node, reason);
        }
    }

    /**
     * Dead-letters entry {@code sequence} for {@code node} with the edge's {@code reason}: {@code refused} as
     * invalid, else not applied within {@code delivery.maxTries}. Returns whether it was pending or behind till now.
     */
    public boolean markDeadLettered(long sequence, String node, String reason, boolean refused) {
        synchronized (log) {
            return deliveryStates.deadLettered(sequence, node, reason, refused);
        }
    }

    /** An operator's retry of an open dead letter reached the edge: applied, with what it answered. */
    public boolean markRetried(long sequence, String node, String answer) {
        synchronized (log) {
            return deliveryStates.retried(sequence, node, answer);
        }
    }

    /** An operator's retry of an open dead letter failed: it stays open, with the new reason. */
    public void markRetryFailed(long sequence, String node, String reason) {
        synchronized (log) {
            deliveryStates.retryFailed(sequence, node, reason);
        }
    }

    /** An operator gave up on an open dead letter; returns whether it was open. */
    public boolean markDiscarded(long sequence, String node, String by) {
        synchronized (log) {
            return deliveryStates.discarded(sequence, node, by);
        }
    }

    /**
     * The mark an edge that applied up to {@code applied} stands at once the entries right after it that were
     * dead-lettered for it (and since retried or discarded) are counted as passed: where its catch-up resumes.
     */
    public long pastDeadLetters(String node, String region, long applied) {
        synchronized (log) {
            long mark = applied;
            while (true) {
                List<InvalidationEntry> next = log.entriesAfter(mark, region, 1);
                if (next.isEmpty() || !store.deadLetters.wasDeadLettered(next.get(0).sequence(), node)) {
                    return mark;
                }
                mark = next.get(0).sequence();
            }
        }
    }

    /** Dead letters after the cursor ({@code afterSequence}, {@code afterNode}), in (sequence, node) order. */
    public List<DeadLetter> list(Optional<String> node, boolean openOnly, long afterSequence, String afterNode,
            int limit) {
        synchronized (log) {
            return store.deadLetters.list(node, openOnly, afterSequence, afterNode, limit);
        }
    }

    /** The dead letter of entry {@code sequence} for {@code node}, open or not. */
    public Optional<DeadLetter> find(long sequence, String node) {
        synchronized (log) {
            // the cursor just before (sequence, any node): no node id sorts after U+FFFF
            return store.deadLetters.list(Optional.of(node), false, sequence - 1, "\uffff", 1).stream()
                    .filter(d -> d.sequence() == sequence).findFirst();
        }
    }
}
