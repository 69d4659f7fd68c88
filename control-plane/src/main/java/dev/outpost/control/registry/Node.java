package dev.outpost.control.registry;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.control.invalidation.InvalidationLog;
import java.time.Instant;

/**
 * What the registry knows of one node: how it registered, when it was last heard from, its latest stats, the
 * highest invalidation sequence it applied (reported in heartbeats or acked on live pushes), whether it is
 * lagging (it missed an entry: down, partitioned, a push failed, registered with an old sequence, and has not yet
 * applied everything due), whether it is fenced (unreachable past the grace period: purges stopped waiting for it),
 * and whether it must revalidate everything before it is steered again ({@code resetDue}: fenced, behind the kept
 * log, or started empty and cached before it could register) with the sequence of the reset it was handed
 * ({@code resetSequence}, 0 until one was). Immutable; the registry swaps in a new one on every change.
 */
public record Node(NodeRegistration registration, Instant registeredAt, Instant lastSeen, Heartbeat stats,
        long appliedSequence, boolean lagging, boolean fenced, boolean resetDue, long resetSequence) {
    public String id() {
        return registration.id();
    }

    public String region() {
        return registration.region();
    }

    public boolean isEdge() {
        return registration.kind() == NodeRegistration.Kind.EDGE;
    }

    /**
     * The region the node's entries are read for: a shield's is every region ({@link
     * InvalidationLog#EVERY_REGION}), since it holds objects for the edges of every region.
     */
    public String logRegion() {
        return logRegion(registration);
    }

    static String logRegion(NodeRegistration r) {
        return r.kind() == NodeRegistration.Kind.EDGE && r.role() == NodeRegistration.Role.SHIELD
                ? InvalidationLog.EVERY_REGION : r.region();
    }

    /** An edge registered with role {@code shield}: the tier other edges fetch from and purges reach first. */
    public boolean isShield() {
        return isEdge() && registration.role() == NodeRegistration.Role.SHIELD;
    }

    Node applied(long sequence, long due) {
        long applied = Math.max(sequence, appliedSequence);
        return new Node(registration, registeredAt, lastSeen, stats, applied, lagging && applied < due, fenced,
                resetDue, resetSequence).resetDoneIfReached();
    }

    /**
     * A heartbeat may report less than a live ack already showed (it was sent before the ack); the higher number
     * stands. A node that lost its cache registers again instead.
     */
    Node heard(Instant at, Heartbeat heartbeat, long due) {
        long applied = Math.max(heartbeat.appliedSequence(), appliedSequence);
        return new Node(registration, registeredAt, at, heartbeat, applied, lagging && applied < due, fenced,
                resetDue, resetSequence).resetDoneIfReached();
    }

    /**
     * This node as known here merged with what the store holds (another control plane's heartbeats, acks, fencing):
     * the later heartbeat and its statistics, the higher applied sequence, the newer registration; fencing and resets
     * are the store's, since every control plane writes them there.
     */
    Node mergedWith(NodeStore.Stored stored, long due) {
        // every control plane writes the heartbeats it takes to the store: at the same time, the store's is as new
        boolean theirsLater = !stored.lastSeen().isBefore(lastSeen) && stored.stats().isPresent();
        boolean reregistered = stored.registeredAt().isAfter(registeredAt);
        long applied = Math.max(appliedSequence, stored.appliedSequence());
        boolean resetDueNow = stored.resetDue() || stored.fenced();
        return new Node(reregistered ? stored.registration() : registration,
                reregistered ? stored.registeredAt() : registeredAt, theirsLater ? stored.lastSeen() : lastSeen,
                theirsLater ? stored.stats().orElse(stats) : stats, applied, lagging && applied < due,
                stored.fenced(), resetDueNow, resetDueNow ? resetSequence : 0).resetDoneIfReached();
    }

    Node fellBehind() {
        return lagging ? this : new Node(registration, registeredAt, lastSeen, stats, appliedSequence, true, fenced,
                resetDue, resetSequence);
    }

    Node fence() {
        return new Node(registration, registeredAt, lastSeen, stats, appliedSequence, lagging, true, true, 0);
    }

    /** Handed a reset at {@code sequence}: done once the node reports it applied. */
    Node resetAt(long sequence) {
        return new Node(registration, registeredAt, lastSeen, stats, appliedSequence, lagging, fenced, true,
                sequence);
    }

    /** Nothing to revalidate after all (nothing was logged past what it applied): back to normal. */
    Node resetDone() {
        return new Node(registration, registeredAt, lastSeen, stats, appliedSequence, false, false, false, 0);
    }

    private Node resetDoneIfReached() {
        return resetDue && resetSequence > 0 && appliedSequence >= resetSequence ? resetDone() : this;
    }
}
