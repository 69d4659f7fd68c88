package dev.outpost.origin.http;

import dev.outpost.common.http.ErrorMappingHandler;
import dev.outpost.common.http.FramingHandler;
import dev.outpost.common.http.SlowReaderHandler;
import dev.outpost.common.http.NodeServer;
import dev.outpost.common.http.ServerLimits;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.assets.ChangeNotifier;
import dev.outpost.origin.content.MasterStore;
import dev.outpost.origin.content.PathRules;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.BlockingHandler;
import java.nio.file.Path;
import java.time.Clock;

/** Wires the origin's object graph and handler pipeline by hand, on one screen. */
public final class OriginHandlers {
    private OriginHandlers() {
    }

    public static Running start(OriginConfig config, Clock clock, ServerLimits limits) {
        MasterStore store = new MasterStore(Path.of(config.data()));
        PathRules rules = new PathRules(config.rules(), config.defaults().policy());
        ChangeNotifier notifier = ChangeNotifier.start(config.notifications());
        // Every origin request touches the disk, so all of it runs on worker threads (BlockingHandler), and
        // errors become JSON in one place below that.
        // A reader that stops reading is cut off (it would hold a worker thread blocked in a write), and no
        // request is read after a chunked body on the same connection.
        HttpHandler pipeline = new SlowReaderHandler(limits.idleTimeout(), new FramingHandler(
                new BlockingHandler(new ErrorMappingHandler(new OriginRouter(
                        new HealthHandler(store, clock),
                        new AssetApiHandler(store, config, notifier),
                        new ContentHandler(store, rules))))));
        NodeServer server;
        try {
            server = NodeServer.start(config.listenAddress(), pipeline, limits);
        } catch (RuntimeException e) {
            notifier.close();
            throw e;
        }
        return new Running(server, notifier);
    }

    /** What a started origin holds open. */
    public record Running(NodeServer server, ChangeNotifier notifier) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            notifier.close();
        }
    }
}
