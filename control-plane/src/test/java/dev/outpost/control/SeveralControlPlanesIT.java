package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.CONFIG;
import static dev.outpost.control.ControlPlaneFixture.NODE;
import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.ManualClock;
import dev.outpost.testkit.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two control planes on one PostgreSQL database (docs/high-availability.md), both taking purges, configuration
 * changes and heartbeats at once: sequences and configuration versions come from the database (global, gap-free),
 * an Idempotency-Key is honoured whichever instance sees it, each edge gets every entry once and in order from the
 * instance that owns it, and both answer node status and steering from the same state. And SQLite stays one
 * control plane's: a second one on the same file refuses to start.
 */
class SeveralControlPlanesIT {
    @TempDir
    Path dataA;
    @TempDir
    Path dataB;

    private static String store(String url) {
        return "store: {engine: postgresql, url: \"" + url + "\", user: " + PostgresServer.USER
                + ", poolSize: 4, connectTimeout: 2s, pollInterval: 100ms, instanceLease: 1s}\n";
    }

    private static String purge(String path) {
        return "{\"urls\":[\"http://www.example.com" + path + "\"]}";
    }

    /** Both control planes see both as live, so each edge has exactly one owner. */
    private static void awaitBothLive(ControlPlaneFixture a, ControlPlaneFixture b) {
        await().atMost(Duration.ofSeconds(20)).until(() -> a.plane().instances().orElseThrow().live().size() == 2
                && b.plane().instances().orElseThrow().live().size() == 2);
    }

    @Test
    void purgesAcceptedByBothAtOnceAreNumberedWithoutGapsAndEveryEdgeGetsEachOnceInOrder() throws Exception {
        String url = PostgresServer.shared().createDatabase("ha_purges");
        try (ControlPlaneFixture a = new ControlPlaneFixture(dataA, store(url));
                ControlPlaneFixture b = new ControlPlaneFixture(dataB, store(url))) {
            awaitBothLive(a, b);
            List<FakeEdge> edges = List.of(a.edge("eu-1", "eu"), b.edge("eu-2", "eu"), a.edge("us-1", "us"),
                    b.edge("ap-1", "ap"));
            int purges = 60;
            ConcurrentLinkedQueue<Long> sequences = new ConcurrentLinkedQueue<>();
            ExecutorService clients = Executors.newFixedThreadPool(6);
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < purges; i++) {
                ControlPlaneFixture to = i % 2 == 0 ? a : b;
                String path = "/p" + i + ".js";
                sent.add(clients.submit(() -> {
                    HttpReply reply = to.post("/api/v1/purges", OPS, purge(path));
                    assertThat(reply.status()).as(reply.body()).isEqualTo(202);
                    sequences.add(reply.json().get("sequence").asLong());
                }));
            }
            for (Future<?> f : sent) {
                f.get();
            }
            clients.shutdown();
            assertThat(new TreeSet<>(sequences)).as("one sequence per purge, from 1, no gap, none twice")
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, purges).boxed().toList());
            for (long sequence = 1; sequence <= purges; sequence++) {
                ControlPlaneFixture asked = sequence % 2 == 0 ? a : b;
                HttpReply status = asked.get("/api/v1/purges/p-" + sequence + "?wait=15s", READER);
                assertThat(status.json().get("status").asString()).as(status.body()).isEqualTo("complete");
                assertThat(status.json().get("edgesApplied").asInt()).isEqualTo(edges.size());
            }
            for (FakeEdge edge : edges) {
                assertThat(edge.receivedSequences()).as(edge.id() + ": each entry once, in sequence order")
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, purges).boxed().toList());
            }
        }
    }

    @Test
    void aControlPlaneWhoseLogIsBusyKeepsItsLeaseSoTheOtherDoesNotTakeItsEdges() throws Exception {
        String url = PostgresServer.shared().createDatabase("ha_lease");
        try (ControlPlaneFixture a = new ControlPlaneFixture(dataA, store(url));
                ControlPlaneFixture b = new ControlPlaneFixture(dataB, store(url))) {
            awaitBothLive(a, b);
            // a burst of purges holds a's log (appends, acks) and dispatcher: its change feed's wakes wait for them,
            // here for three leases; its lease must not wait with them (the others would take its edges meanwhile)
            int fewest = 2;
            synchronized (a.plane().log()) {
                long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < until) {
                    fewest = Math.min(fewest, b.plane().instances().orElseThrow().live().size());
                    Thread.sleep(50);
                }
            }
            assertThat(fewest).as("control planes b saw live while a's log was busy").isEqualTo(2);
        }
    }

    @Test
    void anIdempotencyKeyAnswersTheFirstEntryWhicheverControlPlaneSeesTheRetry() throws Exception {
        String url = PostgresServer.shared().createDatabase("ha_keys");
        try (ControlPlaneFixture a = new ControlPlaneFixture(dataA, store(url));
                ControlPlaneFixture b = new ControlPlaneFixture(dataB, store(url))) {
            a.edge("eu-1", "eu");
            List<Future<HttpReply>> replies = new ArrayList<>();
            ExecutorService clients = Executors.newFixedThreadPool(8);
            for (int i = 0; i < 8; i++) {
                ControlPlaneFixture to = i % 2 == 0 ? a : b;
                replies.add(clients.submit(() -> to.call(new Request.Builder().url(to.plane().apiUri()
                        + "/api/v1/purges").header("Idempotency-Key", "retry-me-1").post(RequestBody.create(
                        purge("/once.js").getBytes(StandardCharsets.UTF_8), MediaType.get("application/json"))),
                        OPS, to.http())));
            }
            Set<Long> answered = new TreeSet<>();
            for (Future<HttpReply> reply : replies) {
                assertThat(reply.get().status()).as(reply.get().body()).isIn(200, 202);
                answered.add(reply.get().json().get("sequence").asLong());
            }
            clients.shutdown();
            assertThat(answered).as("eight tries of one key, on two control planes at once: one entry").hasSize(1);
            assertThat(b.post("/api/v1/purges", OPS, purge("/next.js")).json().get("sequence").asLong())
                    .as("the tries that lost left no hole").isEqualTo(answered.iterator().next() + 1);
        }
    }

    @Test
    void nodeStatusAndSteeringAnswerTheSameFromEitherControlPlane() throws Exception {
        String url = PostgresServer.shared().createDatabase("ha_steer");
        try (ControlPlaneFixture a = new ControlPlaneFixture(dataA, store(url));
                ControlPlaneFixture b = new ControlPlaneFixture(dataB, store(url))) {
            a.registerEdge("eu-1", "eu", "http://127.0.2.1:8080");
            assertThat(b.heartbeat("eu-1", 3, 12.5).status()).as("a heartbeat to the other instance is known there")
                    .isEqualTo(200);
            for (ControlPlaneFixture cp : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    HttpReply nodes = cp.get("/api/v1/nodes", READER);
                    assertThat(nodes.body()).contains("eu-1", "\"activeRequests\":3");
                });
                HttpReply steered = cp.steer("127.0.2.10", "/app.js");
                assertThat(steered.status()).isEqualTo(302);
                assertThat(steered.header("Location")).startsWith("http://127.0.2.1:8080/");
            }
            HttpReply removed = b.call(new Request.Builder().url(b.plane().apiUri() + "/api/v1/nodes/eu-1")
                    .delete(), ControlPlaneFixture.ADMIN, b.http());
            assertThat(removed.status()).as(removed.body()).isIn(200, 204);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(a.get("/api/v1/nodes", READER).body()).doesNotContain("eu-1"));
            assertThat(a.heartbeat("eu-1", 0, 1).status()).as("removed through the other instance: unknown here")
                    .isEqualTo(404);
        }
    }

    @Test
    void configurationChangesOnBothAtOnceTakeConsecutiveVersions() throws Exception {
        String url = PostgresServer.shared().createDatabase("ha_config");
        try (ControlPlaneFixture a = new ControlPlaneFixture(dataA, store(url));
                ControlPlaneFixture b = new ControlPlaneFixture(dataB, store(url))) {
            int services = 10;
            ExecutorService clients = Executors.newFixedThreadPool(services);
            List<Future<HttpReply>> replies = new ArrayList<>();
            for (int i = 0; i < services; i++) {
                ControlPlaneFixture to = i % 2 == 0 ? a : b;
                String name = "site" + i;
                replies.add(clients.submit(() -> to.put("/api/v1/services/" + name, CONFIG, """
                        {"hosts":["%s.example.com"],"origins":["http://127.0.0.1:8081"]}""".formatted(name),
                        "If-None-Match", "*")));
            }
            Set<String> versions = new TreeSet<>();
            for (Future<HttpReply> reply : replies) {
                assertThat(reply.get().status()).as(reply.get().body()).isEqualTo(201);
                versions.add(reply.get().header("ETag"));
            }
            clients.shutdown();
            Set<String> expected = new TreeSet<>();
            for (int v = 1; v <= services; v++) {
                expected.add("\"" + v + "\"");
            }
            assertThat(versions).as("one version each, consecutive from 1").isEqualTo(expected);
            HttpReply stale = b.put("/api/v1/services/site0", CONFIG, """
                    {"hosts":["site0.example.com"],"origins":["http://127.0.0.1:9091"]}""",
                    "If-Match", "\"0\"");
            assertThat(stale.status()).as("a precondition is checked against the database's newest").isEqualTo(412);
        }
    }

    @Test
    void aSecondControlPlaneOnTheSameSqliteFileRefusesToStart() throws Exception {
        Path file = dataA.resolve("shared.db");
        String sqlite = "store: {engine: sqlite, path: " + file + "}\n";
        try (ControlPlaneFixture first = new ControlPlaneFixture(dataA, sqlite)) {
            assertThat(first.get("/api/v1/nodes", READER).status()).isEqualTo(200);
            String yaml = "listen: 127.0.0.1:0\ndata: " + dataB + "\ntokens: [{name: ops, token: " + OPS
                    + ", scopes: [read]}]\n" + dev.outpost.testkit.ThreeRegions.CONTROL_PLANE_YAML + sqlite;
            ControlPlaneConfig second = ConfigFiles.parse("second.yml", yaml.getBytes(StandardCharsets.UTF_8),
                    ControlPlaneConfig.class);
            assertThatThrownBy(() -> ControlPlane.start(second, new ManualClock()))
                    .hasMessageContaining("already running on the SQLite store " + file)
                    .hasMessageContaining("postgresql");
        }
    }
}
