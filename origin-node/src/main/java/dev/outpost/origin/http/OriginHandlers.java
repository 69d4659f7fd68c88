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
import dev.outpost.origin.content.MasterStore;
import dev.outpost.origin.content.PathRules;
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
        // Every origin request touches the disk, so all of it runs on worker threads, and errors become JSON in
        // one place below that. Only the asset API reads bodies as streams (BlockingHandler); content bodies are
        // sent without blocking (FileBodyTransfer), so a slow reader never holds a worker thread.
        // A reader that stops reading is cut off, and no request is read after a chunked body on the same
        // connection.
        HttpHandler routed = new ErrorMappingHandler(new OriginRouter(
                new HealthHandler(store, clock),
                // a wrong token is 403 here, a missing one 401: both spend the client's failed-auth budget
                new FailedAuthGuard(new FailedAuthLimiter(config.limits().failedAuth(), clock),
                        Set.of(401, 403), new BlockingHandler(new AssetApiHandler(store, config, notifier))),
                new ContentHandler(store, rules)));
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
            notifier.close();
            certificate.ifPresent(NodeCertificate::close);
            throw e;
        }
        return new Running(server, notifier, certificate);
    }

    /** What a started origin holds open. */
    public record Running(NodeServer server, ChangeNotifier notifier, Optional<NodeCertificate> certificate)
            implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            notifier.close();
            certificate.ifPresent(NodeCertificate::close);
        }
    }
}
