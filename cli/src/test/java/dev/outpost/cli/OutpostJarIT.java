package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.testkit.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code outpost.jar} (what {@code ./outpost} runs) starts as its own process and serves: catches a
 * shaded jar that misses a dependency, which no in-process test can see.
 */
class OutpostJarIT {
    private static final Path JAR = Path.of("target", "outpost.jar");

    @Test
    void originCommandFromThePackagedJarServesFilesAndTheAssetApi(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("hello.txt"), "hello from the jar");
        int port = LoopbackPorts.free();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-jar", JAR.toString(), "origin",
                "--data", dir.toString(), "--listen", "127.0.0.1:" + port, "--token", "jar-test-token",
                "--notify-url", "http://127.0.0.1:9/events")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("origin.log").toFile())
                .start();
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> served = getWhenUp(client, URI.create("http://127.0.0.1:" + port + "/hello.txt"),
                    process, dir.resolve("origin.log"));
            assertThat(served.statusCode()).isEqualTo(200);
            assertThat(served.body()).isEqualTo("hello from the jar");
            assertThat(served.headers().firstValue("ETag")).isPresent();

            HttpResponse<String> put = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/_origin/assets/new.txt"))
                    .header("Authorization", "Bearer jar-test-token")
                    .PUT(HttpRequest.BodyPublishers.ofString("uploaded")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
            assertThat(Files.readString(dir.resolve("new.txt"))).isEqualTo("uploaded");
        } finally {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void edgeFromThePackagedJarRegistersWithTheControlPlaneAndAppliesItsPurges(@TempDir Path dir) throws Exception {
        int planePort = LoopbackPorts.free();
        Files.writeString(dir.resolve("cp.yml"), """
                listen: 127.0.0.1:%d
                data: cp-data
                tokens:
                  - {name: ops, token: jar-ops-token-0123456789, scopes: [read, "purge:all"]}
                  - {name: nodes, token: jar-node-token-0123456789, scopes: [node]}
                edgeToken: jar-edge-admin-token-0123
                heartbeat: {interval: 200ms, timeout: 2s}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                """.formatted(planePort));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process plane = new ProcessBuilder(java.toString(), "-jar", JAR.toString(), "control-plane", "--config",
                dir.resolve("cp.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("cp.log").toFile()).start();
        Process edge = new ProcessBuilder(java.toString(), "-jar", JAR.toString(), "edge", "--id", "eu-1",
                "--region", "eu", "--listen", "127.0.0.1:" + LoopbackPorts.free(), "--origin", "http://127.0.0.1:9",
                "--host", "a.test", "--admin-listen", "127.0.0.1:" + LoopbackPorts.free(), "--admin-token",
                "jar-edge-admin-token-0123", "--control-plane", "http://127.0.0.1:" + planePort,
                "--control-plane-token", "jar-node-token-0123456789")
                .redirectErrorStream(true).redirectOutput(dir.resolve("edge.log").toFile()).start();
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            URI nodes = URI.create("http://127.0.0.1:" + planePort + "/api/v1/nodes");
            HttpRequest list = HttpRequest.newBuilder(nodes)
                    .header("Authorization", "Bearer jar-ops-token-0123456789").build();
            // two JVMs are starting and the edge registers on its own schedule: waiting is unavoidable
            String body = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptionsInstanceOf(IOException.class)
                    .until(() -> {
                        if (!plane.isAlive() || !edge.isAlive()) {
                            return "a process ended early";
                        }
                        return client.send(list, HttpResponse.BodyHandlers.ofString()).body();
                    }, b -> b.contains("\"healthy\":true") || !plane.isAlive() || !edge.isAlive());
            assertThat(body).as("control-plane log:\n" + Files.readString(dir.resolve("cp.log")) + "\nedge log:\n"
                    + Files.readString(dir.resolve("edge.log")))
                    .contains("\"id\":\"eu-1\"").contains("\"healthy\":true");

            Cli.Run purge = Cli.run("purge", "--api", "http://127.0.0.1:" + planePort, "--token",
                    "jar-ops-token-0123456789", "--all", "--confirm", "--wait=10s");
            assertThat(purge.exit()).as(purge.out() + purge.err()).isZero();
            assertThat(purge.out()).contains("complete  1/1 edges").contains("eu-1").contains("applied");
        } finally {
            for (Process process : new Process[] {edge, plane}) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    /**
     * Stored bodies are direct buffers, bounded by the JVM's {@code -XX:MaxDirectMemorySize}. When live bodies fill
     * it, a miss is relayed whole and not stored (never a failed request), the URL is not passed for later, and what
     * is stored keeps being served. Needs its own JVM: the limit is a JVM flag.
     */
    @Test
    void edgeWhoseDirectMemoryIsFullRelaysAMissWithoutStoringIt(@TempDir Path dir) throws Exception {
        Path site = Files.createDirectories(dir.resolve("site"));
        byte[] first = new byte[9 * 1024 * 1024];
        byte[] second = new byte[9 * 1024 * 1024];
        java.util.Arrays.fill(first, (byte) 'a');
        java.util.Arrays.fill(second, (byte) 'b');
        Files.write(site.resolve("first.bin"), first);
        Files.write(site.resolve("second.bin"), second);
        int originPort = LoopbackPorts.free();
        int edgePort = LoopbackPorts.free();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process origin = new ProcessBuilder(java.toString(), "-jar", JAR.toString(), "origin",
                "--data", site.toString(), "--listen", "127.0.0.1:" + originPort, "--token", "jar-test-token",
                "--notify-url", "http://127.0.0.1:9/events")
                .redirectErrorStream(true).redirectOutput(dir.resolve("origin.log").toFile()).start();
        // 16 MiB of direct memory: one 9 MiB body (plus Undertow's buffers) fits, a second one does not.
        Process edge = new ProcessBuilder(java.toString(), "-XX:MaxDirectMemorySize=16m", "-jar", JAR.toString(),
                "edge", "--id", "tight-1", "--listen", "127.0.0.1:" + edgePort,
                "--origin", "http://127.0.0.1:" + originPort, "--host", "127.0.0.1")
                .redirectErrorStream(true).redirectOutput(dir.resolve("edge.log").toFile()).start();
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            getWhenUp(client, URI.create("http://127.0.0.1:" + originPort + "/first.bin"), origin,
                    dir.resolve("origin.log"));
            URI firstUri = URI.create("http://127.0.0.1:" + edgePort + "/first.bin");
            URI secondUri = URI.create("http://127.0.0.1:" + edgePort + "/second.bin");
            HttpResponse<byte[]> firstMiss = getBytesWhenUp(client, firstUri, edge, dir.resolve("edge.log"));
            assertThat(firstMiss.statusCode()).isEqualTo(200);
            assertThat(firstMiss.headers().firstValue("X-Cache")).hasValue("MISS");
            assertThat(firstMiss.body()).isEqualTo(first);
            // the origin's default for .bin is revalidate-on-use: either way the answer comes from the stored copy
            assertThat(getBytes(client, firstUri).headers().firstValue("X-Cache")).get()
                    .isIn("HIT", "REVALIDATED");

            for (int attempt = 0; attempt < 2; attempt++) {
                HttpResponse<byte[]> relayed = getBytes(client, secondUri);
                assertThat(relayed.statusCode()).as(Files.readString(dir.resolve("edge.log"))).isEqualTo(200);
                assertThat(relayed.body()).isEqualTo(second);
                assertThat(relayed.headers().firstValue("X-Cache")).as("attempt %d", attempt).hasValue("MISS");
                assertThat(relayed.headers().firstValue("Cache-Status")).get().asString()
                        .contains("detail=direct-memory-full").doesNotContain("stored");
            }
            HttpResponse<byte[]> stillStored = getBytes(client, firstUri);
            assertThat(stillStored.headers().firstValue("X-Cache")).get().isIn("HIT", "REVALIDATED");
            assertThat(stillStored.body()).isEqualTo(first);
            assertThat(edge.isAlive()).isTrue();
        } finally {
            for (Process process : new Process[] {edge, origin}) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    private static HttpResponse<byte[]> getBytes(HttpClient client, URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> getBytesWhenUp(HttpClient client, URI uri, Process process, Path log)
            throws Exception {
        Instant deadline = Instant.now().plusSeconds(30);
        while (true) {
            try {
                return getBytes(client, uri);
            } catch (IOException notYet) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    throw new AssertionError("edge did not come up; its output:\n" + Files.readString(log), notYet);
                }
                Thread.sleep(100);
            }
        }
    }

    private static HttpResponse<String> getWhenUp(HttpClient client, URI uri, Process process, Path log)
            throws Exception {
        Instant deadline = Instant.now().plusSeconds(30);
        while (true) {
            try {
                return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException notYet) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    throw new AssertionError("origin did not come up; its output:\n" + Files.readString(log),
                            notYet);
                }
                Thread.sleep(100);
            }
        }
    }

}
