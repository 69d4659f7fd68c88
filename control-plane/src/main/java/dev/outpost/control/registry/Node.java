package dev.outpost.control.registry;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.NodeRegistration;
import java.time.Instant;

/**
 * What the registry knows of one node: how it registered, when it was last heard from, its latest stats, the
 * highest invalidation sequence it applied (reported in heartbeats or acked on live pushes), and whether it is
 * lagging: it missed an entry (down, partitioned, a push failed, registered with an old sequence) and has not yet
 * applied everything due. Immutable; the registry swaps in a new one on every change.
 */
public record Node(NodeRegistration registration, Instant registeredAt, Instant lastSeen, Heartbeat stats,
        long appliedSequence, boolean lagging) {
    public String id() {
        return registration.id();
    }

    public String region() {
        return registration.region();
    }

    public boolean isEdge() {
        return registration.kind() == NodeRegistration.Kind.EDGE;
    }

    Node applied(long sequence, long due) {
        long applied = Math.max(sequence, appliedSequence);
        return new Node(registration, registeredAt, lastSeen, stats, applied, lagging && applied < due);
    }

    /**
     * A heartbeat may report less than a live ack already showed (it was sent before the ack); the higher number
     * stands. A node that lost its cache registers again instead.
     */
    Node heard(Instant at, Heartbeat heartbeat, long due) {
        long applied = Math.max(heartbeat.appliedSequence(), appliedSequence);
        return new Node(registration, registeredAt, at, heartbeat, applied, lagging && applied < due);
    }

    Node fellBehind() {
        return lagging ? this : new Node(registration, registeredAt, lastSeen, stats, appliedSequence, true);
    }
}
