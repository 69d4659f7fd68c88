package dev.outpost.origin;

import dev.outpost.common.http.RouteTable;
import dev.outpost.common.http.ServerLimits;
import dev.outpost.common.tls.NodeCertificate;
import dev.outpost.origin.http.OriginHandlers;
import dev.outpost.origin.replication.ReplicationStatus;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** A running origin node: the content port, the asset API and health, over one data directory. */
public final class OriginNode implements AutoCloseable {
    private final OriginHandlers.Running running;
    private final OriginConfig config;

    private OriginNode(OriginHandlers.Running running, OriginConfig config) {
        this.running = running;
        this.config = config;
    }

    public static OriginNode start(OriginConfig config) {
        return start(config, Clock.systemUTC(), config.limits().serverLimits());
    }

    public static OriginNode start(OriginConfig config, Clock clock, ServerLimits limits) {
        config.requireEverySectionUsed();
        return new OriginNode(OriginHandlers.start(config, clock, limits), config);
    }

    /** The config this node was built from. */
    public OriginConfig config() {
        return config;
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

    /** Every method + path its port serves as an API (content aside); what {@code /_origin/openapi.json} documents. */
    public List<RouteTable.Endpoint> endpoints() {
        return running.endpoints();
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
