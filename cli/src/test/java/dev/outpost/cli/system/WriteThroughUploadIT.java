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
import dev.outpost.testkit.GeneratedBody;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The control plane's write-through upload ({@code PUT /api/v1/assets/...}) against a real origin, on loopback:
 * bodies far above Undertow's 2 MiB default pass, one byte past the origin's {@code maxUploadBytes} is a 413 with a
 * JSON body before anything is written (with or without Content-Length), 100 MiB arrives byte for byte, and the
 * body reaches the origin while the client is still sending it (streamed, never held whole).
 */
class WriteThroughUploadIT {
    private static final long LIMIT = 8L * 1024 * 1024;
    private static final long BULK_LIMIT = 128L * 1024 * 1024;
    private static final String OPS = "ops-token-0123456789";
    private static final String ORIGIN_API = "origin-api-token-0123";
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");

    @TempDir
    Path dir;
    private OriginNode origin;
    private ControlPlane plane;
    private Path site;
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false)
            .callTimeout(Duration.ofSeconds(120)).build();

    @BeforeEach
    void start() throws IOException {
        site = Files.createDirectories(dir.resolve("site"));
        origin = OriginNode.start(OriginConfig.of(site.toString()).withListen("127.0.0.1:0")
                .withApiToken(ORIGIN_API));
        String yaml = """
                listen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read, purge, push]}
                edgeToken: edge-admin-token-0123456789
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                rateLimits: {purgesPerMinute: 6000, pushesPerMinute: 6000}
                origins:
                  - {id: primary, hosts: [www.example.test], url: "%s", token: %s, maxUploadBytes: %d}
                  - {id: bulk, hosts: [media.example.test], url: "%s", token: %s, maxUploadBytes: %d}
                """.formatted(dir.resolve("cp"), OPS, origin.baseUri(), ORIGIN_API, LIMIT, origin.baseUri(),
                ORIGIN_API, BULK_LIMIT);
        plane = ControlPlane.start(ConfigFiles.parse("cp.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class),
                Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        plane.close();
        origin.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    @Test
    void anUploadOneByteBelowTheLimitIsWrittenThroughToTheOrigin() throws Exception {
        GeneratedBody body = new GeneratedBody(LIMIT - 1, 11);

        Answer sized = upload("/below.bin", "primary", body.sized());
        Answer chunked = upload("/below-chunked.bin", "primary", new GeneratedBody(LIMIT - 1, 12).chunked());

        assertThat(sized.code()).as(sized.text()).isEqualTo(201);
        assertThat(sized.json().get("etag").asString()).isNotBlank();
        assertThat(GeneratedBody.sha256(Files.newInputStream(site.resolve("below.bin")))).isEqualTo(body.sha256());
        assertThat(chunked.code()).as(chunked.text()).isEqualTo(201);
        assertThat(GeneratedBody.sha256(Files.newInputStream(site.resolve("below-chunked.bin"))))
                .isEqualTo(new GeneratedBody(LIMIT - 1, 12).sha256());
    }

    @Test
    void anUploadOneBytePastTheLimitIs413WithAJsonBodyAndWritesNothing() throws Exception {
        Files.writeString(site.resolve("over.bin"), "old");

        Answer sized = upload("/over.bin", "primary", new GeneratedBody(LIMIT + 1, 13).sized());
        Answer chunked = upload("/over.bin", "primary", new GeneratedBody(LIMIT + 1, 14).chunked());

        for (Answer refused : List.of(sized, chunked)) {
            assertThat(refused.code()).as(refused.text()).isEqualTo(413);
            assertThat(refused.json().get("error").asString()).isEqualTo("body_too_large");
            assertThat(refused.json().get("message").asString()).contains("maxUploadBytes " + LIMIT);
        }
        assertThat(Files.readString(site.resolve("over.bin"))).isEqualTo("old");
        await().atMost(Duration.ofSeconds(10)).until(() -> tempFiles().isEmpty());
        try (Response purges = http.newCall(new Request.Builder().url(plane.apiUri() + "/api/v1/purges")
                .header("Authorization", "Bearer " + OPS).build()).execute()) {
            assertThat(Json.mapper().readTree(purges.body().bytes()).get("purges")).as("purges made").isEmpty();
        }
    }

    @Test
    void a100MibUploadArrivesAtTheOriginByteForByte() throws Exception {
        GeneratedBody body = new GeneratedBody(100L * 1024 * 1024, 15);

        Answer written = upload("/video/big.mp4", "bulk", body.sized(), "Repr-Digest", body.reprDigest());

        assertThat(written.code()).as(written.text()).isEqualTo(201);
        try (Response served = http.newCall(new Request.Builder().url(origin.baseUri() + "/video/big.mp4").build())
                .execute()) {
            assertThat(served.header("Repr-Digest")).isEqualTo(body.reprDigest());
            assertThat(GeneratedBody.sha256(served.body().byteStream())).isEqualTo(body.sha256());
        }
    }

    @Test
    void theBodyReachesTheOriginWhileTheClientIsStillSendingIt() throws Exception {
        CountDownLatch resume = new CountDownLatch(1);
        byte[] half = new byte[4 * 1024 * 1024];
        new SplittableRandom(16).nextBytes(half);
        RequestBody paused = new RequestBody() {
            @Override
            public MediaType contentType() {
                return OCTETS;
            }

            @Override
            public long contentLength() {
                return half.length * 2L;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                sink.write(half);
                sink.flush();
                try {
                    resume.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                sink.write(half);
            }
        };
        CompletableFuture<Answer> upload = CompletableFuture.supplyAsync(() -> upload("/streamed.bin", "primary",
                paused));

        // Half the body is on the origin's disk (its upload temp file) before the client sends the rest.
        await().atMost(Duration.ofSeconds(20)).until(() -> tempFiles().stream().anyMatch(f -> size(f) > 0));
        assertThat(upload).isNotDone();
        resume.countDown();

        assertThat(upload.get(30, TimeUnit.SECONDS).code()).isEqualTo(201);
        assertThat(Files.size(site.resolve("streamed.bin"))).isEqualTo(half.length * 2L);
    }

    private Answer upload(String path, String originId, RequestBody body, String... headers) {
        Request.Builder request = new Request.Builder()
                .url(plane.apiUri() + "/api/v1/assets" + path + "?origin=" + originId)
                .header("Authorization", "Bearer " + OPS).put(body);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try (Response response = http.newCall(request.build()).execute()) {
            return new Answer(response.code(), response.body().bytes());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private List<Path> tempFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(site)) {
            return walk.filter(p -> p.getFileName().toString().startsWith(".outpost-upload-")).toList();
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // renamed or deleted meanwhile
        }
    }

    private record Answer(int code, byte[] body) {
        String text() {
            return new String(body, UTF_8);
        }

        JsonNode json() {
            return Json.mapper().readTree(body);
        }
    }
}
