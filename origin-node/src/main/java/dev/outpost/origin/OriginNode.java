package dev.outpost.origin;

import dev.outpost.common.http.ServerLimits;
import dev.outpost.common.tls.NodeCertificate;
import dev.outpost.origin.http.OriginHandlers;
import dev.outpost.origin.replication.ReplicationStatus;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;

/** A running origin node: the content port, the asset API and health, over one data directory. */
public final class OriginNode implements AutoCloseable {
    private final OriginHandlers.Running running;

    private OriginNode(OriginHandlers.Running running) {
        this.running = running;
    }

    public static OriginNode start(OriginConfig config) {
        return start(config, Clock.systemUTC(), config.limits().serverLimits());
    }

    public static OriginNode start(OriginConfig config, Clock clock, ServerLimits limits) {
        return new OriginNode(OriginHandlers.start(config, clock, limits));
    }

    /** {@code http://host:port} of the bound listener. */
    public URI baseUri() {
        return running.server().baseUri();
    }

    public int port() {
        return running.server().port();
    }

    /** Its role and replication state (a replica's lag and readiness, a primary's replicas). */
    public ReplicationStatus replication() {
        return running.replication().status();
    }

    /** The node certificate, when {@code tls} is configured. */
    public Optional<NodeCertificate> certificate() {
        return running.certificate();
    }

    @Override
    public void close() {
        running.close();
    }
}
