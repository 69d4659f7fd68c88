package dev.outpost.edge.control;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.wire.RegistrationReply;
import java.io.IOException;

/** The two control-plane calls an edge makes; {@link ControlPlaneClient} over HTTP, a fake in unit tests. */
interface ControlPlaneApi {
    RegistrationReply register(NodeRegistration registration) throws IOException;

    /** @throws UnknownNode when the control plane does not know the node (it must register again) */
    HeartbeatReply heartbeat(String nodeId, Heartbeat heartbeat) throws IOException;

    /**
     * Whether the control plane's latest heartbeat answer said it takes traffic batches
     * ({@link Heartbeat#TRAFFIC_HEADER}); an edge sends none before, so an older control plane is never sent one.
     */
    default boolean acceptsTraffic() {
        return false;
    }

    /** The control plane calls go to now, for log lines. */
    default String inUse() {
        return "the control plane";
    }

    /**
     * 404 {@code unknown_node}: the node was removed or the control plane lost its node store. An answer, not a
     * failure: every control plane on the shared store would give it, so it does not fail over.
     */
    final class UnknownNode extends RuntimeException {
        UnknownNode(String message) {
            super(message);
        }
    }
}
