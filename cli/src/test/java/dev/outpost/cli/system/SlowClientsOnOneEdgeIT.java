package dev.outpost.cli.system;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.SliceConfig;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.edge.config.SpoolConfig;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23 §4 as a test: forty clients of one edge ask for objects too large to store and then stop reading, while
 * another edge of the same origin takes misses. The busy edge reads each answer from the origin at the origin's
 * speed into its spool, so no slow client holds an origin connection, and the other edge's misses (and another
 * client's miss on the busy edge) get whole, correct bodies. Before the spool, the slow readers held the origin's
 * connections and the other edge's misses timed out (504) for as long as they stalled.
 */
class SlowClientsOnOneEdgeIT {
    private static final String HOST = "www.example.test";
    private static final int SLOW_READERS = 40;
    private static final int OTHER_MISSES = 8;
    private static final int OBJECT_BYTES = 4 * 1024 * 1024;
    private static final long MAX_OBJECT_BYTES = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void slowReadersOfUnstorableObjectsOnOneEdgeHoldNoOriginConnectionAndOtherMissesAreServed() throws Exception {
        Path site = Files.createDirectories(dir.resolve("site"));
        byte[] big = new byte[OBJECT_BYTES];
        new Random(23).nextBytes(big);
        Files.write(site.resolve("big.bin"), big);
        OriginConfig originConfig = OriginConfig.of(site.toString()).withListen("127.0.0.1:0");
        List<Socket> slowReaders = new ArrayList<>();
        try (OriginNode origin = OriginNode.start(originConfig);
                EdgeNode busy = EdgeNode.start(edgeConfig("eu-1", origin.baseUri()));
                EdgeNode other = EdgeNode.start(edgeConfig("eu-2", origin.baseUri()))) {
            for (int i = 0; i < SLOW_READERS; i++) {
                slowReaders.add(startSlowReader(busy.port(), "/big.bin?reader=" + i));
            }
            OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false)
                    .callTimeout(Duration.ofSeconds(60)).build();
            byte[] expected = MessageDigest.getInstance("SHA-256").digest(big);
            ExecutorService clients = Executors.newFixedThreadPool(OTHER_MISSES + 1);
            try {
                List<Future<Fetched>> misses = new ArrayList<>();
                for (int i = 0; i < OTHER_MISSES; i++) {
                    String url = "http://127.0.0.1:" + other.port() + "/big.bin?other=" + i;
                    misses.add(clients.submit(() -> fetch(http, url)));
                }
                Future<Fetched> sameEdge = clients.submit(() -> fetch(http, "http://127.0.0.1:" + busy.port()
                        + "/big.bin?fast=1"));
                for (Future<Fetched> miss : misses) {
                    Fetched answer = miss.get(90, TimeUnit.SECONDS);
                    assertThat(answer.status()).as("a miss on the other edge").isEqualTo(200);
                    assertThat(answer.sha256()).as("its whole body").isEqualTo(expected);
                }
                Fetched fast = sameEdge.get(90, TimeUnit.SECONDS);
                assertThat(fast.status()).as("another client's miss on the busy edge").isEqualTo(200);
                assertThat(fast.sha256()).isEqualTo(expected);
            } finally {
                clients.shutdownNow();
            }
            // Every slow reader's answer was read from the origin to its end: no origin request stays open for them.
            await().atMost(Duration.ofSeconds(30)).until(() -> metric(http, busy, "edge_origin_open") == 0
                    && metric(http, busy, "edge_spool_bytes") >= SLOW_READERS * (OBJECT_BYTES - 1024L * 1024));
            assertThat(slowReaders).as("the slow readers are all still connected, each far from done")
                    .allMatch(socket -> !socket.isClosed() && socket.isConnected());
            assertThat(metric(http, busy, "edge_spool_full_total")).isZero();
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        } finally {
            for (Socket socket : slowReaders) {
                socket.close();
            }
        }
    }

    /** A client that asks for {@code path}, reads the head and a little of the body, and then stops reading. */
    private static Socket startSlowReader(int port, String path) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(30_000);
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n")
                .getBytes(US_ASCII));
        InputStream in = socket.getInputStream();
        byte[] some = new byte[1024];
        int read = in.read(some);
        assertThat(read).as("the answer to %s starts", path).isPositive();
        assertThat(new String(some, 0, read, US_ASCII)).startsWith("HTTP/1.1 200");
        return socket;
    }

    private record Fetched(int status, byte[] sha256) {
    }

    private static Fetched fetch(OkHttpClient http, String url) throws Exception {
        Request request = new Request.Builder().url(url).header("Host", HOST).build();
        try (Response response = http.newCall(request).execute()) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = response.body().byteStream()) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) != -1; ) {
                    digest.update(buffer, 0, n);
                }
            }
            return new Fetched(response.code(), digest.digest());
        }
    }

    private static double metric(OkHttpClient http, EdgeNode edge, String name) throws IOException {
        Request request = new Request.Builder().url("http://127.0.0.1:" + edge.port() + "/_edge/metrics")
                .header("Host", HOST).build();
        try (Response response = http.newCall(request).execute()) {
            for (String line : response.body().string().split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        throw new AssertionError("no metric " + name);
    }

    private EdgeConfig edgeConfig(String id, URI origin) {
        DeliveryService service = DeliveryService.of("site", List.of(HOST), List.of(origin));
        SpoolConfig spool = new SpoolConfig(dir.resolve("spool-" + id).toString(), null, null);
        return EdgeConfig.of(id, "127.0.0.1:0", service).withRegion("eu")
                .withCache(new CacheConfig(64L * 1024 * 1024, MAX_OBJECT_BYTES, null, null, null, null, null, null,
                        null, spool).withSlices(new SliceConfig(false, null, null))); // unstorable: not sliced either
    }
}
