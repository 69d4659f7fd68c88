package dev.outpost.control.registry;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.NodeRegistration;
import java.time.Instant;

/**
 * What the registry knows of one node: how it registered, when it was last heard from, its latest stats and the
 * highest invalidation sequence it reported applied. Immutable; the registry swaps in a new one per heartbeat.
 */
public record Node(NodeRegistration registration, Instant registeredAt, Instant lastSeen, Heartbeat stats,
        long appliedSequence) {
    public String id() {
        return registration.id();
    }

    public String region() {
        return registration.region();
    }

    public boolean isEdge() {
        return registration.kind() == NodeRegistration.Kind.EDGE;
    }

    Node heard(Instant at, Heartbeat heartbeat) {
        return new Node(registration, registeredAt, at, heartbeat, heartbeat.appliedSequence());
    }
}
