package dev.outpost.origin.http;

import dev.outpost.common.http.HttpJson;
import dev.outpost.origin.content.MasterStore;
import dev.outpost.origin.replication.Replication;
import dev.outpost.origin.replication.ReplicationStatus;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code GET /_origin/health}: 200 with a small JSON status while the data directory is readable and the origin
 * serves content, else 503 (a replica that never finished copying its primary is not ready). The JSON carries the
 * origin's role and replication state: a replica's lag, a primary's replicas.
 */
final class HealthHandler implements HttpHandler {
    private final MasterStore store;
    private final Replication replication;
    private final Clock clock;
    private final Instant started;

    HealthHandler(MasterStore store, Replication replication, Clock clock) {
        this.store = store;
        this.replication = replication;
        this.clock = clock;
        this.started = clock.instant();
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        boolean readable = Files.isDirectory(store.root()) && Files.isReadable(store.root());
        boolean serving = replication.servesContent();
        String status = !readable ? "data directory unreadable"
                : !serving ? "replica not ready: copying its primary" : "ok";
        HttpJson.send(exchange, readable && serving ? 200 : 503, new Health(status,
                Duration.between(started, clock.instant()).toSeconds(), replication.role().name()
                        .toLowerCase(java.util.Locale.ROOT), replication.status()));
    }

    record Health(String status, long uptimeSeconds, String role, ReplicationStatus replication) {
    }
}
