package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.json.Json;
import dev.outpost.testkit.LoopbackPorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Origin replication with real processes (the packaged jar): a replica killed (SIGKILL) in the middle of copying a
 * file never serves it half-copied and, started again, continues from its position; a replica whose primary was
 * killed is promoted with {@code outpost origin promote}, takes writes, and the old primary rejoins as its replica.
 */
class ReplicaProcessesIT {
    private static final Path JAR = Path.of("target", "outpost.jar");
    private static final String TOKEN = "group-token-0123456789";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aReplicaKilledMidCopyNeverServesTheHalfAndContinuesFromItsPositionAfterARestart() throws Exception {
        int primaryPort = freePort();
        URI primary = URI.create("http://127.0.0.1:" + primaryPort);
        start("primary", "origin", "--data", dir.resolve("us").toString(), "--listen", "127.0.0.1:" + primaryPort,
                "--token", TOKEN, "--name", "us");
        awaitUp(primary);
        for (int i = 0; i < 5; i++) {
            assertThat(put(primary, "/small/" + i + ".txt", ("small " + i).getBytes()).statusCode()).isEqualTo(201);
        }
        try (StallingLink link = new StallingLink(primaryPort, 1 << 20)) {
            int replicaPort = freePort();
            URI replicaUri = URI.create("http://127.0.0.1:" + replicaPort);
            List<String> replicaArgs = List.of("origin", "--data", dir.resolve("eu").toString(), "--listen",
                    "127.0.0.1:" + replicaPort, "--token", TOKEN, "--name", "eu", "--replica-of",
                    link.uri().toString());
            Process replica = start("replica", replicaArgs.toArray(String[]::new));
            await().atMost(PATIENCE).ignoreExceptions().until(() -> status(replicaUri).get("head").asLong()
                    == status(primary).get("head").asLong());

            byte[] big = new byte[8 << 20];
            new Random(3).nextBytes(big);
            assertThat(put(primary, "/big.bin", big).statusCode()).isEqualTo(201);
            // The link stops after 1 MiB of the copy: the replica holds a partial upload temp file.
            await().atMost(PATIENCE).until(() -> uploadTempFiles(dir.resolve("eu")).stream()
                    .anyMatch(f -> f.toFile().length() > 0));
            assertThat(get(replicaUri, "/big.bin").statusCode()).as("never served half-copied").isEqualTo(404);
            replica.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            assertThat(dir.resolve("eu/big.bin")).doesNotExist();

            put(primary, "/while-down.txt", "written while the replica was down".getBytes());
            assertThat(delete(primary, "/small/0.txt").statusCode()).isEqualTo(200);
            link.resume();
            start("replica-again", replicaArgs.toArray(String[]::new));
            await().atMost(PATIENCE).ignoreExceptions().until(() -> status(replicaUri).get("head").asLong()
                    == status(primary).get("head").asLong());

            HttpResponse<byte[]> copied = get(replicaUri, "/big.bin");
            assertThat(copied.statusCode()).isEqualTo(200);
            assertThat(sha256(copied.body())).isEqualTo(sha256(big));
            assertThat(get(replicaUri, "/while-down.txt").statusCode()).isEqualTo(200);
            assertThat(get(replicaUri, "/small/0.txt").statusCode()).isEqualTo(404);
            assertThat(uploadTempFiles(dir.resolve("eu"))).as("removed at start").isEmpty();
            JsonNode following = status(replicaUri).get("following");
            assertThat(following.get("resyncs").asLong()).as("continued from its position").isZero();
            assertThat(following.get("entriesApplied").asLong()).isEqualTo(3);
        }
    }

    @Test
    void theOperatorPromotesAReplicaWhenThePrimaryIsKilledAndTheOldPrimaryRejoinsAsItsReplica() throws Exception {
        int primaryPort = freePort();
        int replicaPort = freePort();
        URI primary = URI.create("http://127.0.0.1:" + primaryPort);
        URI replica = URI.create("http://127.0.0.1:" + replicaPort);
        List<String> primaryArgs = List.of("origin", "--data", dir.resolve("us").toString(), "--listen",
                "127.0.0.1:" + primaryPort, "--token", TOKEN, "--name", "us");
        Process primaryProcess = start("primary", primaryArgs.toArray(String[]::new));
        awaitUp(primary);
        start("replica", "origin", "--data", dir.resolve("eu").toString(), "--listen", "127.0.0.1:" + replicaPort,
                "--token", TOKEN, "--name", "eu", "--replica-of", primary.toString());
        put(primary, "/index.html", "<h1>v1</h1>".getBytes());
        await().atMost(PATIENCE).ignoreExceptions().until(() -> get(replica, "/index.html").statusCode() == 200);
        primaryProcess.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

        Process promote = cli("promote", "origin", "promote", "--url", replica.toString(), "--token", TOKEN);
        assertThat(promote.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String printed = Files.readString(dir.resolve("promote.log"));
        assertThat(promote.exitValue()).as(printed).isZero();
        assertThat(printed).contains(replica + " is now the primary: epoch 2");
        assertThat(put(replica, "/index.html", "<h1>v2, on the new primary</h1>".getBytes()).statusCode())
                .isEqualTo(200);
        Process again = cli("repromote", "origin", "promote", "--url", replica.toString(), "--token", TOKEN);
        assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(again.exitValue()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("repromote.log"))).contains("HTTP 409 already_primary");

        List<String> rejoin = new ArrayList<>(primaryArgs);
        rejoin.addAll(List.of("--replica-of", replica.toString()));
        start("primary-again", rejoin.toArray(String[]::new));
        await().atMost(PATIENCE).ignoreExceptions().until(() -> new String(get(primary, "/index.html").body())
                .equals("<h1>v2, on the new primary</h1>"));
        Process shown = cli("show", "origin", "replication", "--url", replica.toString(), "--token", TOKEN);
        assertThat(shown.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(dir.resolve("show.log"))).contains("primary eu: log")
                .containsPattern("us +\\d+ +0 ");
    }

    private Process start(String name, String... args) throws IOException {
        return cli(name, args);
    }

    private Process cli(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name.replace("-again", "") + ".log")
                        .toFile())).start();
        processes.add(process);
        return process;
    }

    private void awaitUp(URI origin) {
        await().atMost(PATIENCE).ignoreExceptions().until(() -> get(origin, "/_origin/health").statusCode() == 200);
    }

    private JsonNode status(URI origin) throws Exception {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(origin + "/_origin/replication"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        return Json.mapper().readTree(response.body());
    }

    private HttpResponse<String> put(URI origin, String path, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(origin + "/_origin/assets" + path))
                .header("Authorization", "Bearer " + TOKEN).PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> delete(URI origin, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(origin + "/_origin/assets" + path))
                .header("Authorization", "Bearer " + TOKEN).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> get(URI origin, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(origin + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static List<Path> uploadTempFiles(Path data) throws IOException {
        if (!Files.isDirectory(data)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(data)) {
            return walk.filter(p -> p.getFileName().toString().startsWith(".outpost-upload-")).toList();
        }
    }

    /** Below the ephemeral range: a node restarted on its port must find it free (LoopbackPorts). */
    private static int freePort() {
        return LoopbackPorts.free();
    }

    /**
     * A loopback TCP forwarder to the primary that stops passing answers on once {@code stallAfter} bytes of them
     * went through (counted over all connections), until {@link #resume()}: a copy that never finishes.
     */
    private static final class StallingLink implements AutoCloseable {
        private final ServerSocket server;
        private final int targetPort;
        private final long stallAfter;
        private final AtomicLong forwarded = new AtomicLong();
        private final Object gate = new Object();
        private volatile boolean resumed;
        private final List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();

        StallingLink(int targetPort, long stallAfter) throws IOException {
            this.targetPort = targetPort;
            this.stallAfter = stallAfter;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(this::accept);
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort());
        }

        void resume() {
            synchronized (gate) {
                resumed = true;
                gate.notifyAll();
            }
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    open.add(client);
                    open.add(upstream);
                    Thread.ofVirtual().start(() -> pump(client, upstream, false));
                    Thread.ofVirtual().start(() -> pump(upstream, client, true));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void pump(Socket from, Socket to, boolean answers) {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (answers && forwarded.addAndGet(n) > stallAfter) {
                        synchronized (gate) {
                            while (!resumed) {
                                gate.wait();
                            }
                        }
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException | InterruptedException e) {
                // either side closed
            } finally {
                close(from);
                close(to);
            }
        }

        private static void close(Socket socket) {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing to do
            }
        }

        @Override
        public void close() throws IOException {
            resume();
            server.close();
            open.forEach(StallingLink::close);
        }
    }
}
