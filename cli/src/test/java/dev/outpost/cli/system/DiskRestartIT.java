package dev.outpost.cli.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.cache.DiskTier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Edges with a disk tier, stopped and started again on the same disk: what they kept is served again, but a purge
 * issued while they were down is never answered from disk, before or after they caught up.
 */
class DiskRestartIT {
    private static final String APP = "http://" + Cdn.HOST + "/app.js";
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();

    @TempDir
    Path dir;
    private Cdn cdn;

    @BeforeEach
    void start() throws Exception {
        cdn = Cdn.withEdgeDisks(dir);
    }

    @AfterEach
    void stop() {
        cdn.close();
        http.connectionPool().evictAll();
        http.dispatcher().executorService().shutdown();
    }

    /** A client's answer: body and Cache-Status. */
    private record Seen(String body, String cacheStatus) {
    }

    private Seen get(EdgeNode edge, String path) throws IOException {
        Request request = new Request.Builder().url(edge.baseUri() + path).header("Host", Cdn.HOST).build();
        try (Response r = http.newCall(request).execute()) {
            assertThat(r.code()).isEqualTo(200);
            return new Seen(r.body().string(), r.header("Cache-Status"));
        }
    }

    private static void flushDisk(EdgeNode edge) {
        edge.store().disk().orElseThrow().drain();
    }

    @Test
    void aPurgeIssuedWhileAnEdgeWasDownIsNeverServedFromItsDiskAfterRestart() throws Exception {
        cdn.warm("/app.js");
        cdn.warm("/doc.html");
        flushDisk(cdn.edge("eu-2"));
        assertThat(cdn.edge("eu-2").store().disk().orElseThrow().entries()).isEqualTo(2);
        cdn.stopEdge("eu-2");

        cdn.changeAtOrigin("/app.js", "content of /app.js, version 2");
        String purge = cdn.purge("{\"urls\":[\"" + APP + "\"]}");
        JsonNode settled = cdn.awaitSettled(purge);
        assertThat(settled.toString()).contains("eu-2");

        cdn.startEdge("eu-2");
        EdgeNode restarted = cdn.edge("eu-2");
        DiskTier disk = restarted.store().disk().orElseThrow();
        assertThat(disk.restored()).as("both objects were kept on disk").isEqualTo(2);
        // From the first request on, before and after the catch-up: never the purged copy.
        for (int i = 0; i < 5 && !disk.trusted(); i++) {
            assertThat(get(restarted, "/app.js").body()).isEqualTo("content of /app.js, version 2");
        }
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> cdn.steerable("eu-2"));
        assertThat(restarted.appliedSequence()).isGreaterThanOrEqualTo(settled.get("sequence").asLong());
        assertThat(get(restarted, "/app.js").body()).isEqualTo("content of /app.js, version 2");
        assertThat(disk.trusted()).isTrue();
    }

    @Test
    void aPurgeAndAPushOfOneUrlMissedWhileDownEndWithThePushedObject() throws Exception {
        cdn.warm("/app.js");
        cdn.warm("/doc.html");
        flushDisk(cdn.edge("eu-2"));
        cdn.stopEdge("eu-2");

        // Both come in one catch-up page, applied as one batch: the push must land after the purge, not before it.
        cdn.changeAtOrigin("/app.js", "content of /app.js, version 2");
        String purge = cdn.purge("{\"urls\":[\"" + APP + "\"]}");
        String push = cdn.submit("/api/v1/pushes", "{\"urls\":[\"" + APP + "\"]}");
        cdn.awaitSettled(purge);
        JsonNode pushed = cdn.status(push);

        cdn.startEdge("eu-2");
        EdgeNode restarted = cdn.edge("eu-2");
        DiskTier disk = restarted.store().disk().orElseThrow();
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(20)).until(disk::trusted);
        assertThat(restarted.appliedSequence()).isGreaterThanOrEqualTo(pushed.get("sequence").asLong());
        cdn.changeAtOrigin("/app.js", "content of /app.js, version 3"); // a fetch from now on would show it
        Seen app = get(restarted, "/app.js");
        assertThat(app.body()).as("the pushed copy, not the purged one nor a later fetch")
                .isEqualTo("content of /app.js, version 2");
        assertThat(app.cacheStatus()).startsWith("Outpost; hit");
        assertThat(get(restarted, "/doc.html").cacheStatus()).startsWith("Outpost; hit").contains("detail=disk");

        // Stopped and started again while cut off: the pushed copy is what the disk keeps, and it is revalidated
        // (not served as it is) until the edge caught up again.
        disk.drain();
        cdn.stopEdge("eu-2");
        cdn.cut("eu-2");
        cdn.startEdge("eu-2");
        http.connectionPool().evictAll(); // the kept connections went to the stopped edge
        DiskTier reopened = cdn.edge("eu-2").store().disk().orElseThrow();
        assertThat(reopened.restored()).as("doc.html and the pushed app.js").isEqualTo(2);
        assertThat(get(cdn.edge("eu-2"), "/app.js").body()).isEqualTo("content of /app.js, version 3");
    }

    @Test
    void anEdgeRestartedWhileCutOffRevalidatesEverythingItKeptUntilItCaughtUp() throws Exception {
        cdn.warm("/app.js");
        cdn.warm("/doc.html");
        flushDisk(cdn.edge("eu-2"));
        cdn.stopEdge("eu-2");
        cdn.changeAtOrigin("/app.js", "content of /app.js, version 2");
        cdn.awaitSettled(cdn.purge("{\"urls\":[\"" + APP + "\"]}"));

        cdn.cut("eu-2"); // it cannot learn about the purge
        cdn.startEdge("eu-2");
        EdgeNode restarted = cdn.edge("eu-2");
        assertThat(restarted.store().disk().orElseThrow().trusted()).isFalse();
        Seen app = get(restarted, "/app.js");
        assertThat(app.body()).isEqualTo("content of /app.js, version 2");
        Seen doc = get(restarted, "/doc.html");
        assertThat(doc.body()).isEqualTo("content of /doc.html");
        assertThat(doc.cacheStatus()).as("revalidated with the origin, not a plain hit").contains("fwd=");

        cdn.heal("eu-2");
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(20))
                .until(() -> restarted.store().disk().orElseThrow().trusted());
        assertThat(get(restarted, "/app.js").body()).isEqualTo("content of /app.js, version 2");
    }

    @Test
    void aRestartedEdgeThatCaughtUpServesWhatItKeptFromDisk() throws Exception {
        cdn.warm("/doc.html");
        flushDisk(cdn.edge("eu-2"));
        cdn.stopEdge("eu-2");

        cdn.startEdge("eu-2");
        EdgeNode restarted = cdn.edge("eu-2");
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(20))
                .until(() -> restarted.store().disk().orElseThrow().trusted());
        Seen doc = get(restarted, "/doc.html");
        assertThat(doc.body()).isEqualTo("content of /doc.html");
        assertThat(doc.cacheStatus()).startsWith("Outpost; hit").contains("detail=disk");
    }
}
