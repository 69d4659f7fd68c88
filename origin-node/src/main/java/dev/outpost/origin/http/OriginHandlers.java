package dev.outpost.origin.http;

import dev.outpost.common.auth.FailedAuthLimiter;
import dev.outpost.common.http.ErrorMappingHandler;
import dev.outpost.common.http.FailedAuthGuard;
import dev.outpost.common.http.FramingHandler;
import dev.outpost.common.http.NodeServer;
import dev.outpost.common.http.RefusedBodies;
import dev.outpost.common.http.ServerLimits;
import dev.outpost.common.http.SlowReaderHandler;
import dev.outpost.common.tls.NodeCertificate;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.assets.AssetWriter;
import dev.outpost.origin.assets.ChangeNotifier;
import dev.outpost.origin.content.ByteRanges;
import dev.outpost.origin.content.MasterStore;
import dev.outpost.origin.content.PathRules;
import dev.outpost.origin.replication.Replication;
import dev.outpost.origin.replication.ReplicationMetrics;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.BlockingHandler;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;

/** Wires the origin's object graph and handler pipeline by hand, on one screen. */
public final class OriginHandlers {
    private OriginHandlers() {
    }

    public static Running start(OriginConfig config, Clock clock, ServerLimits limits) {
        MasterStore store = new MasterStore(Path.of(config.data()));
        AssetWriter.removeLeftoverUploads(store.root());
        PathRules rules = new PathRules(config.rules(), config.defaults().policy());
        // Joining (when there is no certificate yet) happens before the listener opens.
        Optional<NodeCertificate> certificate = config.tls().map(tls -> NodeCertificate.open(tls.certificate(),
                tls.joinUrl(), clock));
        certificate.ifPresent(c -> config.tls().get().controlPlaneUrl().ifPresent(url -> c.startRenewal(url,
                config.tls().get().renewBefore(), config.tls().get().renewCheckInterval(), clock)));
        ChangeNotifier notifier = ChangeNotifier.start(config.notifications(), config.noticeQueueDirectory(),
                certificate.map(NodeCertificate::client));
        Replication replication;
        try {
            replication = Replication.start(config, store, notifier, clock);
        } catch (RuntimeException e) {
            notifier.close();
            certificate.ifPresent(NodeCertificate::close);
            throw e;
        }
        // Every origin request touches the disk, so all of it runs on worker threads, and errors become JSON in
        // one place below that. Only the asset API reads bodies as streams (BlockingHandler); content bodies are
        // sent without blocking (FileBodyTransfer), so a slow reader never holds a worker thread.
        // A reader that stops reading is cut off, and no request is read after a chunked body on the same
        // connection.
        FailedAuthLimiter authFailures = new FailedAuthLimiter(config.limits().failedAuth(), clock);
        HttpHandler routed = new ErrorMappingHandler(new OriginRouter(
                new HealthHandler(store, replication, clock),
                new MetricsHandler(new ReplicationMetrics(replication)),
                // a wrong token is 403 here, a missing one 401: both spend the client's failed-auth budget, one
                // budget for both APIs that take the origin's token
                new FailedAuthGuard(authFailures, Set.of(401, 403),
                        new BlockingHandler(new AssetApiHandler(store, config, notifier, replication))),
                new FailedAuthGuard(authFailures, Set.of(401, 403),
                        new ReplicationHandler(new ApiToken(config.apiToken()), replication, limits.idleTimeout())),
                new ContentHandler(store, rules, ByteRanges.DEFAULT_MAX_PARTS, replication::servesContent)));
        HttpHandler pipeline = new SlowReaderHandler(limits.idleTimeout(), new FramingHandler(exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(routed);
            } else {
                routed.handleRequest(exchange);
            }
        }));
        NodeServer server;
        try {
            server = NodeServer.start(config.listenAddress(), pipeline, limits,
                    RefusedBodies.listenerLimit(config.maxUploadBytes()));
        } catch (RuntimeException e) {
            replication.close();
            notifier.close();
            certificate.ifPresent(NodeCertificate::close);
            throw e;
        }
        return new Running(server, notifier, certificate, replication);
    }

    /** What a started origin holds open. */
    public record Running(NodeServer server, ChangeNotifier notifier, Optional<NodeCertificate> certificate,
            Replication replication) implements AutoCloseable {
        /** Stops the follower first (no change lands while the listener stops), the listener, then the rest. */
        @Override
        public void close() {
            replication.close();
            server.close();
            notifier.close();
            certificate.ifPresent(NodeCertificate::close);
        }
    }
}
