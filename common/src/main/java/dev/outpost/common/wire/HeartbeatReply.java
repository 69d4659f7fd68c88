package dev.outpost.common.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The answer to a heartbeat. {@code entries} are the invalidation entries in the node's region after the
 * applied sequence (as reported, or higher if live pushes were acked since), oldest first, at most a page of them: the node applies them in order and
 * reports its new applied sequence in the next heartbeat (which is how the control plane learns it caught up).
 * {@code more} says another page is waiting, so the node should heartbeat again at once.
 *
 * <pre>{"dueSequence":45,"entries":[{"sequence":43,...},{"sequence":45,...}],"more":false,"caughtUp":false}</pre>
 *
 * @param dueSequence the highest purge sequence the node must have applied before it is steered traffic
 * @param caughtUp    whether the node's applied sequence (the higher of the reported one and the live pushes it
 *                    acked) already reaches {@code dueSequence}
 * @param reset       the node cannot catch up entry by entry (it is behind the kept log, was fenced, or started
 *                    empty and cached before it could register): {@code entries} then holds one soft purge of
 *                    everything, at the newest sequence, which it applies like any entry: it revalidates all it
 *                    holds and counts every entry up to that sequence as applied
 * @param services    with a reset: the delivery-service configuration as of the reset's sequence, which replaces
 *                    the node's whole configuration (config entries cannot be replayed past the kept log either)
 * @param shields     the shields an edge may fetch its misses from right now (healthy, registered with role
 *                    {@code shield}, and caught up on every invalidation the edges were given), in every region;
 *                    an edge uses those of the region its service names ({@link
 *                    dev.outpost.common.service.DeliveryService#shieldRegion()}). Empty when there are none
 */
public record HeartbeatReply(long dueSequence, List<InvalidationEntry> entries, boolean more, boolean caughtUp,
        boolean reset, @JsonInclude(JsonInclude.Include.NON_NULL) ServiceSnapshot services,
        List<ShieldNode> shields) {
    public HeartbeatReply(long dueSequence, List<InvalidationEntry> entries, boolean more, boolean caughtUp,
            boolean reset, ServiceSnapshot services) {
        this(dueSequence, entries, more, caughtUp, reset, services, List.of());
    }

    public HeartbeatReply(long dueSequence, List<InvalidationEntry> entries, boolean more, boolean caughtUp,
            boolean reset) {
        this(dueSequence, entries, more, caughtUp, reset, null);
    }

    public HeartbeatReply {
        entries = entries == null ? List.of() : List.copyOf(entries);
        shields = shields == null ? List.of() : List.copyOf(shields);
    }

    public HeartbeatReply(long dueSequence, List<InvalidationEntry> entries, boolean more, boolean caughtUp) {
        this(dueSequence, entries, more, caughtUp, false);
    }
}
