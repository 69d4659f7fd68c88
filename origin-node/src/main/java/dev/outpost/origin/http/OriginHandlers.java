package dev.outpost.origin.http;

import dev.outpost.common.http.accesslog.AccessLog;
import dev.outpost.common.auth.FailedAuthLimiter;
import dev.outpost.common.http.ErrorMappingHandler;
import dev.outpost.common.http.NodeServer;
import dev.outpost.common.http.RefusedBodies;
import dev.outpost.common.http.RouteTable;
import dev.outpost.common.http.ServerLimits;
import dev.outpost.common.lifecycle.Closer;
import dev.outpost.common.tls.NodeCertificate;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginTls;
import dev.outpost.origin.assets.AssetWriter;
import dev.outpost.origin.assets.ChangeNotifier;
import dev.outpost.origin.content.MasterStore;
import dev.outpost.origin.content.PathRules;
import dev.outpost.origin.replication.Replication;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** Wires the origin's object graph and handler pipeline by hand, on one screen. */
public final class OriginHandlers {
    private OriginHandlers() {
    }

    public static Running start(OriginConfig config, Clock clock, ServerLimits limits) {
        MasterStore store = new MasterStore(Path.of(config.data()));
        AssetWriter.removeLeftoverUploads(store.root());
        PathRules rules = new PathRules(config.rules(), config.defaults().policy());
        Closer started = new Closer("origin " + config.listen());
        try {
            // Joining (when there is no certificate yet) happens before the listener opens.
            Optional<NodeCertificate> certificate = config.tls().map(tls -> NodeCertificate.open(tls.certificate(),
                    tls.joinUrls(), clock));
            certificate.ifPresent(c -> started.add("node certificate", c));
            certificate.ifPresent(c -> {
                OriginTls tls = config.tls().get();
                if (!tls.controlPlaneUrls().isEmpty()) {
                    c.startRenewal(tls.controlPlaneUrls(), tls.renewBefore(), tls.renewCheckInterval(), clock);
                }
            });
            ChangeNotifier notifier = started.add(ChangeNotifier.start(config.notifications(),
                    config.noticeQueueDirectory(), certificate.map(NodeCertificate::client)));
            Replication replication = started.add(Replication.start(config, store, notifier, clock));
            OriginMetrics metrics = started.add(new OriginMetrics(replication, notifier));
            // Every origin request touches the disk, so all of it runs on worker threads, its errors mapped to JSON
            // there; content bodies are sent without blocking (FileBodyTransfer), so a slow reader never holds a
            // worker thread.
            RouteTable routes = OriginRoutes.table(new HealthHandler(store, replication, clock),
                    metrics.endpoint(), new AssetEndpoints(store, config, notifier, replication, metrics),
                    new ReplicationEndpoints(replication, limits.idleTimeout()), new ApiToken(config.apiToken()),
                    new FailedAuthLimiter(config.limits().failedAuth(), clock),
                    new ContentHandler(store, rules, ContentHandler.MAX_RANGE_PARTS, replication::servesContent));
            AccessLog accessLog = started.add(AccessLog.open(config.accessLog(), "origin",
                    config.replication().name().orElse("origin@" + config.listen()), config.serverTiming(), clock));
            NodeServer server = NodeServer.on(config.listenAddress(), limits)
                    .maxRequestBodyBytes(RefusedBodies.listenerLimit(config.maxUploadBytes())).accessLog(accessLog)
                    .start(metrics.requests().wrap(ErrorMappingHandler.dispatched(routes)));
            started.add("listener", server);
            // Registered again after the listener, so it is stopped first: closing the change log answers the
            // replicas' parked long polls at once, and the follower stops applying changes while the listener stops.
            started.add("replication (first)", replication);
            return new Running(server, certificate, replication, routes.endpoints(), started);
        } catch (RuntimeException e) {
            throw started.closeAfter(e);
        }
    }

    /** What a started origin holds open. */
    public record Running(NodeServer server, Optional<NodeCertificate> certificate, Replication replication,
            List<RouteTable.Endpoint> endpoints, Closer started) implements AutoCloseable {
        /** Stops the follower first (no change lands while the listener stops), the listener, then the rest. */
        @Override
        public void close() {
            started.close();
        }
    }
}
