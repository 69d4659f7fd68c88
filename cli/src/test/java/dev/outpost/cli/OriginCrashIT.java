package dev.outpost.cli;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.testkit.LoopbackPorts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The origin's durability with real processes (the packaged jar): a change answered while the control plane is
 * unreachable reaches every edge even when the origin is killed (SIGKILL) before it could announce it, an upload
 * cut off by the kill leaves no temp file after the restart, and a stop (SIGTERM) logs the notices it could not
 * deliver.
 */
class OriginCrashIT {
    private static final Path JAR = Path.of("target", "outpost.jar");
    private static final String HOST = "www.example.test";
    private static final String OPS = "crash-ops-token-0123456789";
    private static final String NODE = "crash-node-token-0123456789";
    private static final String EDGE_ADMIN = "crash-edge-admin-token-0123";
    private static final String ORIGIN_API = "crash-origin-token";

    @TempDir
    Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final okhttp3.OkHttpClient edgeClient = new okhttp3.OkHttpClient.Builder()
            .retryOnConnectionFailure(false).callTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aChangeAnsweredBeforeTheOriginIsKilledReachesEveryEdgeAfterTheRestart() throws Exception {
        Path site = Files.createDirectories(dir.resolve("site"));
        Files.writeString(site.resolve("app.js"), "version 1");
        int planePort = LoopbackPorts.free();
        int originPort = LoopbackPorts.free();
        Path planeConfig = planeConfig(planePort);
        Path originConfig = originConfig(site, originPort, planePort);
        Process plane = start("cp", "control-plane", "--config", planeConfig.toString());
        Process origin = start("origin", "origin", "--config", originConfig.toString());
        URI originUri = URI.create("http://127.0.0.1:" + originPort);
        List<URI> edges = new ArrayList<>();
        for (String id : List.of("eu-1", "us-1")) {
            int port = LoopbackPorts.free();
            start(id, "edge", "--id", id, "--region", id.substring(0, 2), "--listen", "127.0.0.1:" + port,
                    "--origin", originUri.toString(), "--host", HOST, "--admin-listen", "127.0.0.1:" + LoopbackPorts.free(),
                    "--admin-token", EDGE_ADMIN, "--control-plane", "http://127.0.0.1:" + planePort,
                    "--control-plane-token", NODE);
            edges.add(URI.create("http://127.0.0.1:" + port + "/app.js"));
        }
        awaitHealthyEdges(planePort, 2);
        for (URI edge : edges) {
            assertThat(await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> get(edge).body(),
                    "version 1"::equals)).isEqualTo("version 1");
            assertThat(get(edge).xCache()).isEqualTo("HIT");
        }

        // The control plane goes away; the origin takes a new version and answers it; then it is killed before
        // it could deliver the notice, and one more upload is cut off mid-body by the kill.
        plane.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(originUri + "/_origin/assets/app.js"))
                .header("Authorization", "Bearer " + ORIGIN_API).PUT(HttpRequest.BodyPublishers.ofString("version 2"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        try (Socket upload = new Socket("127.0.0.1", originPort)) {
            OutputStream out = upload.getOutputStream();
            out.write(("PUT /_origin/assets/video.mp4 HTTP/1.1\r\nHost: o\r\nAuthorization: Bearer " + ORIGIN_API
                    + "\r\nContent-Length: 1000000\r\n\r\n").getBytes(ISO_8859_1));
            out.write(new byte[300_000]);
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> !uploadTempFiles(site).isEmpty());
            origin.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(uploadTempFiles(site)).as("left by the killed upload").isNotEmpty();
        for (URI edge : edges) {
            assertThat(get(edge).body()).as("edges still hold the old copy").isEqualTo("version 1");
        }

        start("cp-again", "control-plane", "--config", planeConfig.toString());
        start("origin-again", "origin", "--config", originConfig.toString());

        for (URI edge : edges) {
            assertThat(await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> get(edge).body(), "version 2"::equals)).as(edge.toString()).isEqualTo("version 2");
        }
        assertThat(uploadTempFiles(site)).as("cleaned at start").isEmpty();
        await().atMost(Duration.ofSeconds(30)).until(() -> noticeFiles(site).isEmpty());
    }

    @Test
    void sigtermLogsTheChangeNoticesTheOriginCouldNotDeliver() throws Exception {
        Path site = Files.createDirectories(dir.resolve("site"));
        int originPort = LoopbackPorts.free();
        Process origin = start("origin", "origin", "--data", site.toString(), "--listen", "127.0.0.1:" + originPort,
                "--token", ORIGIN_API, "--notify-url", "http://127.0.0.1:" + LoopbackPorts.free() + "/api/v1/origin-events");
        URI put = URI.create("http://127.0.0.1:" + originPort + "/_origin/assets/css/site.css");
        HttpResponse<String> written = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(put).header("Authorization", "Bearer " + ORIGIN_API)
                        .PUT(HttpRequest.BodyPublishers.ofString("body{}")).build(),
                        HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 201);
        assertThat(written.statusCode()).isEqualTo(201);

        origin.destroy(); // SIGTERM
        assertThat(origin.waitFor(20, TimeUnit.SECONDS)).isTrue();

        assertThat(Files.readString(dir.resolve("origin.log")))
                .contains("1 change notices were not delivered")
                .contains("changed /css/site.css")
                .contains(".outpost/notices");
        assertThat(noticeFiles(site)).as("kept for the next start").hasSize(1);
    }

    private Process start(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name.replace("-again", "") + ".log")
                        .toFile())).start();
        processes.add(process);
        return process;
    }

    private Path planeConfig(int port) throws IOException {
        return Files.writeString(dir.resolve("cp.yml"), """
                listen: 127.0.0.1:%d
                data: cp-data
                tokens:
                  - {name: ops, token: %s, scopes: [read, purge, push]}
                  - {name: nodes, token: %s, scopes: [node]}
                edgeToken: %s
                heartbeat: {interval: 200ms, timeout: 2s}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}, {name: us, cidrs: [127.0.1.0/24]}]
                defaultRegion: us
                origins: [{id: primary, hosts: [%s]}]
                """.formatted(port, OPS, NODE, EDGE_ADMIN, HOST));
    }

    private Path originConfig(Path site, int port, int planePort) throws IOException {
        return Files.writeString(dir.resolve("origin.yml"), """
                listen: 127.0.0.1:%d
                data: %s
                apiToken: %s
                rules: [{match: "/**", cacheControl: "max-age=3600"}]
                notifications:
                  url: http://127.0.0.1:%d/api/v1/origin-events?origin=primary
                  token: %s
                  initialBackoff: 100ms
                  maxBackoff: 500ms
                """.formatted(port, site, ORIGIN_API, planePort, NODE));
    }

    private void awaitHealthyEdges(int planePort, int count) {
        HttpRequest nodes = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + planePort + "/api/v1/nodes"))
                .header("Authorization", "Bearer " + OPS).build();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> http.send(nodes, HttpResponse.BodyHandlers.ofString()).body()
                        .split("\"healthy\":true", -1).length - 1 >= count);
    }

    /** A GET to an edge for the service's host (java.net.http may not set Host; OkHttp may). */
    private Answer get(URI uri) throws IOException {
        try (okhttp3.Response response = edgeClient.newCall(new okhttp3.Request.Builder().url(uri.toString())
                .header("Host", HOST).build()).execute()) {
            return new Answer(response.body().string(), response.header("X-Cache", ""));
        }
    }

    private record Answer(String body, String xCache) {
    }

    private static List<Path> uploadTempFiles(Path site) throws IOException {
        try (Stream<Path> walk = Files.walk(site)) {
            return walk.filter(p -> p.getFileName().toString().startsWith(".outpost-upload-")).toList();
        }
    }

    private static List<Path> noticeFiles(Path site) throws IOException {
        Path queue = site.resolve(".outpost/notices");
        if (!Files.isDirectory(queue)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(queue)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".json")).toList();
        }
    }

}
