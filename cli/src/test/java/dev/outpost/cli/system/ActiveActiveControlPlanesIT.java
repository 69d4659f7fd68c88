package dev.outpost.cli.system;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import dev.outpost.origin.content.PathRule;
import dev.outpost.testkit.BoundClients;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.LoopbackPorts;
import dev.outpost.testkit.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Two control planes as their own processes (the packaged {@code outpost.jar}) on one real PostgreSQL, three edge
 * processes that fail over between them ({@code controlPlane.urls}), one origin (docs/high-availability.md). While
 * 200 purges are sent to both, one control plane is killed with SIGKILL: every purge answered 202 completes on every
 * edge, the log holds each purge once (1..200, no gap: a client whose call broke retries on the other with the same
 * {@code Idempotency-Key}), each edge's applied mark ends at the last sequence (an edge applies sequenced entries
 * once, in order, so it got all of them), steering keeps answering, and the killed one, started again, rejoins and
 * takes purges. And PostgreSQL restarted mid-stream: purges are refused 503 meanwhile (never 202 and lost), and once
 * it is back every purge completes.
 */
class ActiveActiveControlPlanesIT {
    private static final Path JAR = Path.of("target", "outpost.jar");
    private static final String HOST = "www.example.test";
    private static final String OPS = "ops-token-0123456789";
    private static final String NODE = "node-token-0123456789";
    private static final String EDGE_ADMIN = "edge-admin-token-0123456789";
    private static final List<String> EDGES = List.of("eu-1", "eu-2", "eu-3");
    private static final Duration PATIENCE = Duration.ofMinutes(4);

    @TempDir
    Path dir;
    private PostgresServer database;
    private String databaseUrl;
    private OriginNode origin;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final List<URI> planes = new ArrayList<>();
    private final OkHttpClient http = new OkHttpClient.Builder().followRedirects(false)
            .retryOnConnectionFailure(false).connectTimeout(Duration.ofSeconds(2))
            .callTimeout(Duration.ofSeconds(40)).build();

    @BeforeEach
    void start() throws Exception {
        database = PostgresServer.start();
        databaseUrl = database.createDatabase("active_active");
        Path site = Files.createDirectories(dir.resolve("site"));
        Files.writeString(site.resolve("app.js"), "v1");
        origin = OriginNode.start(OriginConfig.of(site.toString()).withListen("127.0.0.1:0")
                .withRules(List.of(new PathRule("/**", Optional.of("max-age=3600"), List.of("site"))),
                        OriginConfig.Defaults.NONE));
        planes.add(URI.create("http://127.0.0.1:" + LoopbackPorts.free()));
        planes.add(URI.create("http://127.0.0.1:" + LoopbackPorts.free()));
        startControlPlane(0);
        startControlPlane(1);
        for (int i = 0; i < EDGES.size(); i++) {
            startEdge(EDGES.get(i), i);
        }
        for (URI plane : planes) {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                    .until(() -> EDGES.stream().allMatch(edge -> steerable(plane, edge)));
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (Process process : processes.values()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        if (origin != null) {
            origin.close();
        }
        if (database != null) {
            database.close();
        }
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    @Test
    void everyPurgeAnswered202CompletesOnEveryEdgeWhenOneOfTwoControlPlanesIsKilledMidStream() throws Exception {
        int purges = 200;
        AtomicInteger sent = new AtomicInteger();
        Map<Integer, Long> accepted = new ConcurrentHashMap<>();
        AtomicInteger brokenCalls = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < purges; i++) {
            int n = i;
            calls.add(clients.submit(() -> {
                if (sent.incrementAndGet() == 60) {
                    kill("control-plane-0");
                }
                accepted.put(n, purgeUntilAccepted(n, n % 2, brokenCalls));
            }));
        }
        for (int i = 0; i < purges; i++) {
            // while the stream goes on and after the kill: steering answers from the survivor
            assertThat(steer(planes.get(1)).status()).isEqualTo(302);
            calls.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        }
        clients.shutdown();
        assertThat(processes.get("control-plane-0").isAlive()).isFalse();

        assertThat(new java.util.TreeSet<>(accepted.values())).as("each purge logged once, numbered 1..200 without "
                + "a gap, whichever control plane took it (" + brokenCalls + " calls broke and were retried)")
                .containsExactlyElementsOf(LongStream.rangeClosed(1, purges).boxed().toList());
        for (long sequence : accepted.values()) {
            JsonNode status = awaitComplete(planes.get(1), sequence);
            assertThat(status.get("edgesApplied").asInt()).as(status.toString()).isEqualTo(EDGES.size());
        }
        for (String edge : EDGES) {
            await().atMost(PATIENCE).until(() -> node(planes.get(1), edge).get("appliedSequence").asLong()
                    == purges);
        }
        assertThat(steer(planes.get(1)).status()).isEqualTo(302);

        startControlPlane(0); // the same data directory and database: it rejoins
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> EDGES.stream().allMatch(edge -> steerable(planes.get(0), edge)));
        long after = purgeUntilAccepted(purges, 0, brokenCalls);
        assertThat(after).isEqualTo(purges + 1);
        assertThat(awaitComplete(planes.get(0), after).get("edgesApplied").asInt()).isEqualTo(EDGES.size());
        assertThat(steer(planes.get(0)).status()).isEqualTo(302);
    }

    @Test
    void aPostgresqlRestartMidStreamLosesNoPurgeThatWasAnswered202() throws Exception {
        int purges = 80;
        AtomicInteger sent = new AtomicInteger();
        Map<Integer, Long> accepted = new ConcurrentHashMap<>();
        AtomicInteger refusals = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < purges; i++) {
            int n = i;
            calls.add(clients.submit(() -> {
                if (sent.incrementAndGet() == 30) {
                    database.stop();
                    // purges sent meanwhile are refused 503 (counted), until it is back
                    await().atMost(PATIENCE).until(() -> refusals.get() >= 4);
                    database.startPostmaster();
                }
                accepted.put(n, purgeUntilAccepted(n, n % 2, refusals));
            }));
        }
        for (Future<?> call : calls) {
            call.get(PATIENCE.toSeconds() * 2, TimeUnit.SECONDS);
        }
        clients.shutdown();
        assertThat(refusals.get()).as("purges were refused while the database was down").isGreaterThanOrEqualTo(4);
        assertThat(new java.util.TreeSet<>(accepted.values()))
                .containsExactlyElementsOf(LongStream.rangeClosed(1, purges).boxed().toList());
        for (long sequence : accepted.values()) {
            assertThat(awaitComplete(planes.get((int) (sequence % 2)), sequence).get("edgesApplied").asInt())
                    .isEqualTo(EDGES.size());
        }
        assertThat(steer(planes.get(0)).status()).isEqualTo(302);
    }

    /**
     * Sends purge {@code n} to control plane {@code first} with its own Idempotency-Key; a call that breaks (the
     * control plane was killed) or is refused 503 (the database is down) is sent again, to the other control plane
     * after a break, as a client with a list of control planes does. Returns the sequence of the 202.
     */
    private long purgeUntilAccepted(int n, int first, AtomicInteger failures) {
        int target = first;
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            Request request = new Request.Builder().url(planes.get(target) + "/api/v1/purges")
                    .header("Authorization", "Bearer " + OPS).header("Idempotency-Key", "purge-" + n)
                    .post(RequestBody.create(("{\"urls\":[\"http://" + HOST + "/p" + n + ".js\"]}").getBytes(UTF_8),
                            MediaType.get("application/json"))).build();
            try {
                HttpReply reply = HttpReply.call(http, request);
                if (reply.status() == 202 || reply.status() == 200) {
                    return reply.json().get("sequence").asLong();
                }
                assertThat(reply.status()).as(reply.body()).isEqualTo(503);
                assertThat(reply.json().get("error").asString()).isEqualTo("store_unavailable");
                assertThat(reply.header("Retry-After")).isNotNull();
            } catch (UncheckedIOException e) {
                target = 1 - target; // that control plane is gone: the other one
            }
            failures.incrementAndGet();
            pause();
        }
        throw new AssertionError("purge " + n + " was never accepted");
    }

    private static void pause() {
        try {
            Thread.sleep(200); // a client's pause before it asks again (Retry-After is 5 s; the test is impatient)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode awaitComplete(URI plane, long sequence) {
        JsonNode[] status = {null};
        await().atMost(PATIENCE).until(() -> {
            status[0] = get(plane, "/api/v1/purges/p-" + sequence + "?wait=10s").json();
            return status[0].get("status").asString().equals("complete");
        });
        return status[0];
    }

    private HttpReply steer(URI plane) {
        OkHttpClient bound = BoundClients.from("127.0.2.10", http);
        try {
            return HttpReply.call(bound, new Request.Builder().url(plane + "/app.js").header("Host", HOST).build());
        } finally {
            bound.connectionPool().evictAll();
        }
    }

    private HttpReply get(URI plane, String path) {
        return HttpReply.call(http, new Request.Builder().url(plane + path).header("Authorization", "Bearer " + OPS)
                .build());
    }

    private JsonNode node(URI plane, String id) {
        for (JsonNode node : get(plane, "/api/v1/nodes").json().get("nodes")) {
            if (node.get("id").asString().equals(id)) {
                return node;
            }
        }
        return tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }

    private boolean steerable(URI plane, String edge) {
        try {
            JsonNode node = node(plane, edge);
            return node.has("healthy") && node.get("healthy").asBoolean() && node.get("caughtUp").asBoolean();
        } catch (UncheckedIOException e) {
            return false; // not listening yet
        }
    }

    private void startControlPlane(int i) throws IOException {
        Path config = dir.resolve("cp-" + i + ".yml");
        Files.writeString(config, """
                listen: %s
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read, "purge:all", push]}
                  - {name: nodes, token: %s, scopes: [node]}
                edgeToken: %s
                heartbeat: {interval: 200ms, timeout: 5s}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                rateLimits: {purgesPerMinute: 100000, pushesPerMinute: 100000, originEventsPerMinute: 100000}
                origins: [{id: primary, hosts: [%s]}]
                delivery: {retryInitial: 100ms, retryMax: 500ms, fenceAfter: 10m}
                store: {engine: postgresql, url: "%s", user: %s, connectTimeout: 2s, pollInterval: 200ms, instanceLease: 2s}
                """.formatted(planes.get(i).getAuthority(), dir.resolve("cp-data-" + i), OPS, NODE, EDGE_ADMIN, HOST,
                databaseUrl, PostgresServer.USER));
        start("control-plane-" + i, "control-plane", "--config", config.toString());
    }

    private void startEdge(String id, int i) throws IOException {
        int port = LoopbackPorts.free();
        Path config = dir.resolve(id + ".yml");
        Files.writeString(config, """
                id: %s
                region: eu
                listen: 127.0.0.1:%d
                admin: {listen: 127.0.0.1:%d, token: %s}
                services:
                  - {name: site, hosts: [%s], origins: ["%s"]}
                controlPlane: {urls: ["%s", "%s"], token: %s, heartbeat: 200ms, maxBackoff: 1s}
                """.formatted(id, port, LoopbackPorts.free(), EDGE_ADMIN, HOST, origin.baseUri(),
                planes.get(i % 2), planes.get(1 - i % 2), NODE));
        start(id, "edge", "--config", config.toString());
    }

    private void start(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        processes.put(name, new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile())).start());
    }

    /** SIGKILL: no shutdown hook runs, its lease and connections are simply gone. */
    private void kill(String name) {
        Process process = processes.get(name);
        process.destroyForcibly(); // SIGKILL on Linux
        try {
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The control planes' and edges' logs, for a failing assertion. */
    @SuppressWarnings("unused")
    private String logs() {
        Map<String, String> out = new TreeMap<>();
        for (String name : processes.keySet()) {
            try {
                out.put(name, Files.readString(dir.resolve(name + ".log")));
            } catch (IOException e) {
                out.put(name, e.toString());
            }
        }
        return out.toString();
    }
}
