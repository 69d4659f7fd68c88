package dev.outpost.cli.system;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import dev.outpost.origin.content.PathRule;
import dev.outpost.testkit.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;

/**
 * A control plane and an origin in this JVM, and one edge as its own process from the packaged {@code outpost.jar}
 * (what {@code ./outpost edge --config} runs), so a test can freeze it (SIGSTOP), resume it (SIGCONT) or give it a
 * small heap. Everything on loopback; the edge's output goes to {@code edge.log} in the test's directory.
 */
final class EdgeProcess implements AutoCloseable {
    static final String HOST = "www.example.test";
    static final String OPS = "ops-token-0123456789";
    static final String NODE = "node-token-0123456789";
    static final String EDGE_ADMIN = "edge-admin-token-0123456789";
    static final String ORIGIN_API = "origin-api-token-0123";
    private static final Path JAR = Path.of("target", "outpost.jar");

    private final Path dir;
    final ControlPlane plane;
    final OriginNode origin;
    final Process edge;
    final URI edgeUri;
    final OkHttpClient http = new OkHttpClient.Builder().followRedirects(false).retryOnConnectionFailure(false)
            .callTimeout(Duration.ofSeconds(60)).readTimeout(Duration.ofSeconds(60)).build();

    /**
     * @param heap      the edge JVM's {@code -Xmx}, e.g. {@code 128m}
     * @param withAdmin whether the edge has an admin listener (without one, entries reach it only by heartbeat)
     * @param lease     the edge's {@code controlPlane.lease}
     */
    EdgeProcess(Path dir, String heap, boolean withAdmin, String lease) throws IOException {
        this.dir = dir;
        plane = ControlPlane.start(ConfigFiles.parse("cp.yml", """
                listen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read, "purge:all", push]}
                  - {name: nodes, token: %s, scopes: [node]}
                edgeToken: %s
                heartbeat: {interval: 200ms, timeout: 1500ms}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                rateLimits: {purgesPerMinute: 100000, pushesPerMinute: 100000, originEventsPerMinute: 100000}
                origins: [{id: primary, hosts: [%s]}]
                delivery: {retryInitial: 100ms, retryMax: 500ms}
                """.formatted(dir.resolve("control-plane"), OPS, NODE, EDGE_ADMIN, HOST).getBytes(UTF_8),
                ControlPlaneConfig.class), Clock.systemUTC());
        Path site = Files.createDirectories(dir.resolve("site"));
        Files.writeString(site.resolve("app.js"), "v1");
        URI events = URI.create(plane.apiUri() + "/api/v1/origin-events?origin=primary");
        origin = OriginNode.start(OriginConfig.of(site.toString()).withListen("127.0.0.1:0").withApiToken(ORIGIN_API)
                .withRules(List.of(new PathRule("/**", Optional.of("max-age=3600"), List.of("site"))),
                        OriginConfig.Defaults.NONE)
                .withNotify(OriginConfig.Notify.to(events).withToken(NODE)
                        .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                        .withTimeout(Duration.ofSeconds(2))));
        int port = freePort();
        edgeUri = URI.create("http://127.0.0.1:" + port);
        Path config = dir.resolve("edge.yml");
        Files.writeString(config, """
                id: eu-1
                region: eu
                listen: 127.0.0.1:%d
                %s
                services:
                  - {name: site, hosts: [%s], origins: ["%s"]}
                controlPlane: {url: "%s", token: %s, heartbeat: 200ms, maxBackoff: 1s, lease: %s}
                """.formatted(port, withAdmin ? "admin: {listen: 127.0.0.1:" + freePort() + ", token: " + EDGE_ADMIN
                        + "}" : "", HOST, origin.baseUri(), plane.apiUri(), NODE, lease));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx" + heap, "-jar", JAR.toString(),
                "edge", "--config", config.toString()));
        edge = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("edge.log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> !edge.isAlive() || steerable());
        assertThat(edge.isAlive()).as("edge log:\n" + log()).isTrue();
    }

    /** Below the ephemeral range, so no outgoing connection takes it before the edge process binds it. */
    private static int freePort() {
        return LoopbackPorts.free();
    }

    String log() {
        try {
            return Files.readString(dir.resolve("edge.log"));
        } catch (IOException e) {
            return "(no edge log: " + e + ")";
        }
    }

    /** The edge as the control plane lists it. */
    JsonNode node() {
        for (JsonNode node : api("GET", "/api/v1/nodes", null).get("nodes")) {
            if (node.get("id").asString().equals("eu-1")) {
                return node;
            }
        }
        return Json.mapper().readTree("{}");
    }

    boolean steerable() {
        JsonNode node = node();
        return node.has("healthy") && node.get("healthy").asBoolean() && node.get("caughtUp").asBoolean();
    }

    JsonNode api(String method, String path, String json) {
        Request request = new Request.Builder().url(plane.apiUri() + path).header("Authorization", "Bearer " + OPS)
                .method(method, json == null ? null : RequestBody.create(json.getBytes(UTF_8),
                        MediaType.get("application/json"))).build();
        try (Response response = http.newCall(request).execute()) {
            String body = response.body().string();
            assertThat(response.code()).as(method + " " + path + ": " + body).isLessThan(300);
            return Json.mapper().readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client's GET on the edge: the body and X-Cache. */
    record Answer(String body, String xCache) {
    }

    Answer get(OkHttpClient client, String path) {
        Request request = new Request.Builder().url(edgeUri + path).header("Host", HOST).build();
        try (Response response = client.newCall(request).execute()) {
            return new Answer(response.body().string(), response.header("X-Cache"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code PUT /_origin/assets{path}}: the origin stores it and announces the change to the control plane. */
    void putAsset(String path, String content) {
        Request request = new Request.Builder().url(origin.baseUri() + "/_origin/assets" + path)
                .header("Authorization", "Bearer " + ORIGIN_API)
                .put(RequestBody.create(content.getBytes(UTF_8), MediaType.get("text/javascript"))).build();
        try (Response response = http.newCall(request).execute()) {
            assertThat(response.code()).isIn(200, 201);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code kill -STOP} (freeze) or {@code -CONT} (resume) the edge process. */
    void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(edge.pid())).start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).isZero();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (edge.isAlive()) {
            try {
                signal("CONT"); // a frozen process does not die on SIGTERM until it runs again
            } catch (AssertionError | RuntimeException e) {
                // it exited meanwhile
            }
        }
        edge.destroy();
        if (!edge.waitFor(10, TimeUnit.SECONDS)) {
            edge.destroyForcibly();
            edge.waitFor(10, TimeUnit.SECONDS);
        }
        origin.close();
        plane.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
