package dev.outpost.control.invalidation;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.control.DeliverySettings;
import dev.outpost.control.registry.Node;
import dev.outpost.control.registry.Registry;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

/**
 * What reaches one edge, and when: its entries strictly in sequence order, on its lane ({@link DeliveryLanes}),
 * pushed live, in retry rounds, or when the shields release what they held back, each push through
 * {@link EdgeCalls}; and what a failed push does to that edge's delivery (behind, retried, or dead-lettered).
 *
 * <p>Ordering rule: an entry is pushed live to an edge only when it is the very next entry of the edge's region
 * after the edge's known applied sequence (from its heartbeats and earlier live acks); otherwise (it was down, a
 * push failed, it registered with an old sequence) the entry is marked {@code behind}. So an edge never applies a
 * newer entry before an older one and can keep a single "highest applied" number; a duplicate (live push racing a
 * catch-up page) is at or below that number and ignored. Past the shields' release mark nothing is pushed to the
 * other edges ({@code ShieldTier.handOutLimit}): it stays pending until {@link #release} pushes it.
 *
 * <p>Retries: an edge that is behind gets its missed entries pushed again by the control plane itself, in order,
 * on its lane, after {@code delivery.retryInitial}, doubling up to {@code delivery.retryMax} while the
 * pushes fail; so a healed partition is caught up within that bound, not at the pace of the edge's own heartbeat
 * backoff. The edge's heartbeat catch-up carries the same entries too; whichever comes first applies them. Retries
 * stop once the edge applied everything, was fenced or removed. Expired pushes are never retried.
 *
 * <p>Dead letters: retries are bounded per entry. An entry the edge refuses as invalid (400, 413, 415, 422) is
 * dead-lettered for that edge at once, one it answers {@code delivery.maxTries} times with a server error (it
 * cannot apply it) then; the edge's mark moves past it ({@link Registry#acked}), so the next entries reach the edge
 * and it is steered again. An edge that does not answer at all is never dead-lettered against: it is fenced after
 * {@code delivery.fenceAfter}.
 */
final class OrderedDelivery {
    /** Entries one retry round pushes before it yields the lane and schedules the next round. */
    private static final int RETRY_ROUND = 100;

    /** The dispatcher's logger: these lines are the dispatcher's to an operator. */
    private static final Logger LOG = System.getLogger(Dispatcher.class.getName());

    private final InvalidationLog log;
    private final Registry registry;
    private final DeliverySettings settings;
    private final DeliveryObserver observer;
    private final Dispatcher.Ownership ownership;
    private final EdgeCalls calls;
    private final DeliveryLanes lanes;

    OrderedDelivery(InvalidationLog log, Registry registry, DeliverySettings settings, DeliveryObserver observer,
            Dispatcher.Ownership ownership, EdgeCalls calls, DeliveryLanes lanes) {
        this.log = log;
        this.registry = registry;
        this.settings = settings;
        this.observer = observer;
        this.ownership = ownership;
        this.calls = calls;
        this.lanes = lanes;
    }

    /** Hands a newly logged entry to the edge's lane, which pushes it if it is the edge's next one. */
    void pushLive(InvalidationEntry entry, Node node) {
        onLane(node.id(), () -> deliver(entry, node));
    }

    private void deliver(InvalidationEntry entry, Node node) {
        if (lanes.closed()) {
            return;
        }
        Node current = registry.node(node.id()).orElse(node);
        if (entry.sequence() > registry.shieldTier().handOutLimit(current)) {
            return; // held back until every shield applied it (still pending): release() pushes it then
        }
        List<InvalidationEntry> next = log.entriesAfter(current.appliedSequence(), current.logRegion(), 1);
        if (next.isEmpty() || next.get(0).sequence() > entry.sequence()) {
            return; // already applied through the heartbeat catch-up (or a retry)
        }
        if (next.get(0).sequence() != entry.sequence()) {
            behind(entry.sequence(), node.id(), "earlier entries not yet applied; retried in order, and sent on "
                    + "its heartbeat");
            scheduleRetry(node.id());
            return;
        }
        Optional<PushFailure> failure = calls.push(entry, current);
        if (failure.isPresent()) {
            failed(entry.sequence(), current, failure.get());
            scheduleRetry(node.id()); // the next entries (or this one again)
        }
    }

    /**
     * A push of the node's next entry failed: the entry is behind (retried), or, when the edge refused it as
     * invalid or answered {@code delivery.maxTries} pushes of it with a server error, dead-lettered: the node's mark
     * moves past it, so later entries reach the edge and it is steered again. Returns whether it was dead-lettered.
     */
    private boolean failed(long sequence, Node node, PushFailure failure) {
        boolean deadLetter = switch (failure.verdict()) {
            case INVALID -> true;
            case NOT_APPLIED -> log.deadLetters().countTry(sequence, node.id(), failure.reason()) >= settings.maxTries();
            case NOT_NOW -> false;
        };
        if (!deadLetter) {
            behind(sequence, node.id(), failure.reason());
            return false;
        }
        String reason = failure.verdict() == PushFailure.Verdict.INVALID ? "refused as invalid: " + failure.reason()
                : "not applied after " + settings.maxTries() + " tries: " + failure.reason();
        if (!log.deadLetters().markDeadLettered(sequence, node.id(), reason, failure.verdict() == PushFailure.Verdict.INVALID)) {
            return false; // settled meanwhile (applied by a heartbeat, fenced, removed)
        }
        LOG.log(Level.WARNING, () -> "entry dead-lettered: sequence=" + sequence + " edge=" + node.id()
                + " reason=\"" + reason + "\" (the edge moves on to later entries; an operator retries or discards it)");
        registry.acked(node.id(), sequence);
        return true;
    }

    /** The entry did not reach the node live: it is lagging (not steered to) until the catch-up brings it. */
    void behind(long sequence, String nodeId, String reason) {
        registry.fellBehind(nodeId);
        log.markBehind(sequence, nodeId, reason);
    }

    /** Schedules the edge's next retry round (once: a round already scheduled stands), doubling the wait. */
    void scheduleRetry(String nodeId) {
        lanes.scheduleRetry(nodeId, () -> onLane(nodeId, () -> retry(nodeId)));
    }

    /**
     * One retry round for an edge: pushes what it missed, oldest first, until it has everything (retries end), a
     * push fails (the next round waits twice as long), or a round's worth went through (the next round follows at
     * once, so other work on the lane is not starved).
     */
    private void retry(String nodeId) {
        Optional<DeliveryLanes.Backoff> backoff = lanes.beginRound(nodeId);
        if (backoff.isEmpty()) {
            return;
        }
        for (int i = 0; i < RETRY_ROUND; i++) {
            Optional<Node> node = registry.node(nodeId);
            if (node.isEmpty() || node.get().fenced() || node.get().registration().adminUrl().isEmpty()
                    || !ownership.owns(nodeId)) {
                lanes.endRetries(nodeId);
                return;
            }
            List<InvalidationEntry> next = log.entriesAfter(node.get().appliedSequence(),
                    registry.shieldTier().handOutLimit(node.get()), node.get().logRegion(), 1);
            if (next.isEmpty()) {
                // done, or the rest is held back for the shields: release() takes it up when they applied it
                lanes.endRetries(nodeId);
                return;
            }
            observer.retried(nodeId);
            Optional<PushFailure> failure = calls.push(next.get(0), node.get());
            if (failure.isPresent() && !failed(next.get(0).sequence(), node.get(), failure.get())) {
                LOG.log(Level.DEBUG, () -> "retrying entry " + next.get(0).sequence() + " to " + nodeId
                        + " failed: " + failure.get().reason());
                scheduleRetry(nodeId);
                return;
            }
            backoff.get().reset();
        }
        scheduleRetry(nodeId);
    }

    /**
     * The shields applied more (or stopped counting): every edge of this control plane's gets what was held back for
     * it, in order, on its lane; an unhealthy one through its retry rounds (and its heartbeat catch-up).
     */
    void release() {
        if (lanes.closed()) {
            return;
        }
        for (Node node : registry.edges()) {
            if (node.isShield() || node.fenced() || !ownership.owns(node.id())
                    || node.registration().adminUrl().isEmpty()
                    || node.appliedSequence() >= registry.shieldTier().handOutLimit(node)) {
                continue;
            }
            if (registry.healthy(node)) {
                try {
                    onLane(node.id(), () -> pushReleased(node.id()));
                } catch (RejectedExecutionException e) {
                    return; // closing
                }
            } else {
                scheduleRetry(node.id());
            }
        }
    }

    /** Pushes an edge what was released to it, oldest first, until it has all of it or a push fails (retried). */
    private void pushReleased(String nodeId) {
        for (int i = 0; i < RETRY_ROUND && !lanes.closed(); i++) {
            Optional<Node> node = registry.node(nodeId);
            if (node.isEmpty() || node.get().fenced()) {
                return;
            }
            List<InvalidationEntry> next = log.entriesAfter(node.get().appliedSequence(),
                    registry.shieldTier().handOutLimit(node.get()), node.get().logRegion(), 1);
            if (next.isEmpty()) {
                return;
            }
            Optional<PushFailure> failure = calls.push(next.get(0), node.get());
            if (failure.isPresent()) {
                failed(next.get(0).sequence(), node.get(), failure.get());
                scheduleRetry(nodeId);
                return;
            }
        }
        scheduleRetry(nodeId); // more than a round's worth: the retry rounds go on at once
    }

    /**
     * Runs work on the edge's lane; when it fails (the store unreachable: the ack or the next entry could not be read
     * or written) the edge's retry rounds take over, so nothing waits for a heartbeat once the database is back.
     */
    private void onLane(String nodeId, Runnable work) {
        lanes.execute(nodeId, () -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, () -> "delivery to " + nodeId + " interrupted, retried later: "
                        + e.getMessage());
                scheduleRetry(nodeId);
            }
        });
    }
}
