package dev.outpost.origin.http;

import dev.outpost.common.http.HttpJson;
import dev.outpost.origin.content.MasterStore;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** {@code GET /_origin/health}: 200 with a small JSON status while the data directory is readable, else 503. */
final class HealthHandler implements HttpHandler {
    private final MasterStore store;
    private final Clock clock;
    private final Instant started;

    HealthHandler(MasterStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.started = clock.instant();
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        boolean readable = Files.isDirectory(store.root()) && Files.isReadable(store.root());
        HttpJson.send(exchange, readable ? 200 : 503, new Health(readable ? "ok" : "data directory unreadable",
                Duration.between(started, clock.instant()).toSeconds()));
    }

    record Health(String status, long uptimeSeconds) {
    }
}
