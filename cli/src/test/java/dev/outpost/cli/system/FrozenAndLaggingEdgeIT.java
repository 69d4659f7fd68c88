package dev.outpost.cli.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Faults that need the edge as its own process: frozen (SIGSTOP) while a purge is accepted, and lagging far behind
 * on a small heap. Each prints what it measured (the report's figures).
 */
class FrozenAndLaggingEdgeIT {
    @TempDir
    Path dir;

    @Test
    void requestsQueuedAtAFrozenEdgeAreAnsweredWithTheNewBodyOnceItResumesNotThePurgedOne() throws Exception {
        try (EdgeProcess cdn = new EdgeProcess(dir, "256m", true, "1s")) {
            cdn.get(cdn.http, "/app.js");
            assertThat(cdn.get(cdn.http, "/app.js")).isEqualTo(new EdgeProcess.Answer("v1", "HIT"));

            cdn.signal("STOP");
            long frozenAt = System.nanoTime();
            cdn.putAsset("/app.js", "v2"); // the origin announces it: the control plane purges /app.js
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
                    cdn.api("GET", "/api/v1/purges?limit=1", null).get("purges").toString().contains("/app.js"));
            List<CompletableFuture<EdgeProcess.Answer>> queued = new ArrayList<>();
            for (int i = 0; i < 20; i++) { // each on its own connection, queued in the frozen process's backlog
                OkHttpClient client = cdn.http.newBuilder().connectionPool(new ConnectionPool()).build();
                queued.add(CompletableFuture.supplyAsync(() -> cdn.get(client, "/app.js")));
            }
            // The freeze outlasts the edge's 1 s lease: the scenario, not a measurement of speed.
            Thread.sleep(2_500);
            cdn.signal("CONT");
            long frozenMillis = (System.nanoTime() - frozenAt) / 1_000_000;

            int fresh = 0;
            for (CompletableFuture<EdgeProcess.Answer> answer : queued) {
                EdgeProcess.Answer a = answer.get(60, TimeUnit.SECONDS);
                assertThat(a.body()).as("a request queued during the freeze").isEqualTo("v2");
                fresh++;
            }
            System.out.printf("frozen edge: %d/%d requests queued during a %d ms freeze answered with the new body%n",
                    fresh, queued.size(), frozenMillis);
        }
    }

    @Test
    void aLaggingEdgeOnA128MegabyteHeapCatchesUpOnALogFarBiggerThanItsHeap() throws Exception {
        try (EdgeProcess cdn = new EdgeProcess(dir, "128m", false, "15s")) {
            cdn.get(cdn.http, "/app.js");
            cdn.signal("STOP");
            // 1,100 purges of 1,000 URLs each (~235 KB as stored): about twice the edge's heap in all
            StringBuilder urls = new StringBuilder("{\"urls\":[");
            String padding = "p".repeat(200);
            long bytes = 0;
            long last = 0;
            int entries = 1_100;
            for (int e = 0; e < entries; e++) {
                urls.setLength("{\"urls\":[".length());
                for (int u = 0; u < 1000; u++) {
                    urls.append(u == 0 ? "" : ",").append("\"http://").append(EdgeProcess.HOST).append('/')
                            .append(padding).append('/').append(e).append('/').append(u).append('"');
                }
                String body = urls.append("]}").toString();
                bytes += body.length();
                last = cdn.api("POST", "/api/v1/purges", body).get("sequence").asLong();
            }
            long due = last;
            assertThat(cdn.node().get("caughtUp").asBoolean()).isFalse();

            long resumed = System.nanoTime();
            cdn.signal("CONT");
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !cdn.edge.isAlive() || cdn.node().get("appliedSequence").asLong() >= due);
            long tookMillis = (System.nanoTime() - resumed) / 1_000_000;
            assertThat(cdn.edge.isAlive()).as("edge log:\n" + tail(cdn.log())).isTrue();
            JsonNode node = cdn.node();
            assertThat(node.get("appliedSequence").asLong()).isEqualTo(due);
            await().atMost(Duration.ofSeconds(20)).until(cdn::steerable);
            // a new connection: the one from before the freeze may have outlived the edge's idle timeout meanwhile
            OkHttpClient fresh = cdn.http.newBuilder().connectionPool(new ConnectionPool()).build();
            assertThat(cdn.get(fresh, "/app.js").body()).isEqualTo("v1");
            System.out.printf("lagging 128 MB edge caught up on %d entries, %.1f MB of purges, in %d ms%n", entries,
                    bytes / 1e6, tookMillis);
        }
    }

    private static String tail(String log) {
        return log.length() <= 8000 ? log : log.substring(log.length() - 8000);
    }
}
