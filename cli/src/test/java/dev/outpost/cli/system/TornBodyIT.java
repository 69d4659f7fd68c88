package dev.outpost.cli.system;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeNode;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import dev.outpost.origin.content.PathRule;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23 §1 as a test: writers replace one asset through the asset API in a loop, with versions of very
 * different sizes, while readers fetch it straight from the origin and through two edges (the asset is
 * {@code no-cache}, so every edge read revalidates and every new version is a full fetch that could be stored).
 * No answer may be torn: every 200 is exactly one written version, with the ETag and Repr-Digest of that version.
 * An answer may fail visibly (a reset, a 502 for a refused body, a 503 for a file that kept changing), never
 * quietly. The run is bounded by the number of writes; the figures are printed for the record.
 */
class TornBodyIT {
    private static final String HOST = "www.example.test";
    private static final String TOKEN = "origin-api-token-0123";
    private static final int WRITERS = 2;
    private static final int WRITES_PER_WRITER = 400;
    private static final int READERS_PER_TARGET = 2;

    @TempDir
    Path dir;

    @Test
    void concurrentReplacesNeverYieldATornBodyFromTheOriginOrEitherEdge() throws Exception {
        Path site = Files.createDirectories(dir.resolve("site"));
        Files.write(site.resolve("app.js"), Version.of(0).bytes());
        OriginConfig originConfig = OriginConfig.of(site.toString()).withListen("127.0.0.1:0").withApiToken(TOKEN)
                .withRules(List.of(new PathRule("/**", Optional.of("no-cache"), List.of())),
                        OriginConfig.Defaults.NONE);
        try (OriginNode origin = OriginNode.start(originConfig);
                EdgeNode eu = EdgeNode.start(edgeConfig("eu-1", origin.baseUri()));
                EdgeNode us = EdgeNode.start(edgeConfig("us-1", origin.baseUri()))) {
            OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false)
                    .callTimeout(Duration.ofSeconds(20)).build();
            List<URI> targets = List.of(origin.baseUri(), URI.create("http://127.0.0.1:" + eu.port()),
                    URI.create("http://127.0.0.1:" + us.port()));
            Tally tally = new Tally();
            AtomicBoolean writing = new AtomicBoolean(true);
            ExecutorService threads = Executors.newFixedThreadPool(WRITERS + READERS_PER_TARGET * targets.size());
            try {
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    writers.add(threads.submit(() -> write(http, origin.baseUri(), writer, tally)));
                }
                List<Future<?>> readers = new ArrayList<>();
                for (URI target : targets) {
                    for (int r = 0; r < READERS_PER_TARGET; r++) {
                        readers.add(threads.submit(() -> read(http, target, writing, tally)));
                    }
                }
                for (Future<?> writer : writers) {
                    writer.get(5, TimeUnit.MINUTES);
                }
                writing.set(false);
                for (Future<?> reader : readers) {
                    reader.get(1, TimeUnit.MINUTES);
                }
            } finally {
                writing.set(false);
                threads.shutdownNow();
                http.dispatcher().executorService().shutdown();
                http.connectionPool().evictAll();
            }
            System.out.println("torn-body run: " + tally);
            assertThat(tally.torn.get()).as("torn answers, first: " + tally.firstTorn.get()).isZero();
            assertThat(tally.writes.get()).isEqualTo((long) WRITERS * WRITES_PER_WRITER);
            assertThat(tally.intact.get()).as("intact reads").isPositive();
        }
    }

    private static EdgeConfig edgeConfig(String id, URI origin) {
        DeliveryService service = DeliveryService.of("site", List.of(HOST), List.of(origin));
        return EdgeConfig.of(id, "127.0.0.1:0", service).withRegion(id.substring(0, 2));
    }

    private static void write(OkHttpClient http, URI origin, int writer, Tally tally) {
        for (int i = 1; i <= WRITES_PER_WRITER; i++) {
            Version version = Version.of(writer * 100_000 + i);
            Request put = new Request.Builder().url(origin + "/_origin/assets/app.js")
                    .header("Authorization", "Bearer " + TOKEN)
                    .put(RequestBody.create(version.bytes(), MediaType.get("application/javascript"))).build();
            try (Response response = http.newCall(put).execute()) {
                if (response.code() != 200 && response.code() != 201) {
                    throw new AssertionError("PUT answered " + response.code() + ": " + response.body().string());
                }
                tally.writes.incrementAndGet();
            } catch (IOException e) {
                throw new AssertionError("PUT failed", e);
            }
        }
    }

    private static void read(OkHttpClient http, URI target, AtomicBoolean writing, Tally tally) {
        Request get = new Request.Builder().url(target + "/app.js").header("Host", HOST).build();
        while (writing.get()) {
            try (Response response = http.newCall(get).execute()) {
                byte[] body = response.body().bytes();
                switch (response.code()) {
                    case 200 -> tally.judge(target, body, response.header("ETag"), response.header("Repr-Digest"),
                            response.header("Content-Length"));
                    case 502 -> tally.rejected.incrementAndGet();
                    case 503 -> tally.busy.incrementAndGet();
                    default -> tally.torn(target + " answered " + response.code() + ": " + new String(body, US_ASCII));
                }
            } catch (IOException e) {
                tally.aborted.incrementAndGet(); // visibly broken: allowed, counted
            }
        }
    }

    /** A version's bytes say which version they are; sizes vary from 1 KB to 200 KB. */
    private record Version(int number) {
        static Version of(int number) {
            return new Version(number);
        }

        byte[] bytes() {
            String head = "// version " + number + "\n";
            int size = 1_000 + Math.floorMod(number * 7_919, 200_000);
            byte[] bytes = new byte[Math.max(size, head.length())];
            Arrays.fill(bytes, (byte) ('a' + number % 26));
            System.arraycopy(head.getBytes(US_ASCII), 0, bytes, 0, head.length());
            return bytes;
        }

        static Optional<Version> parse(byte[] body) {
            String start = new String(body, 0, Math.min(body.length, 40), US_ASCII);
            if (!start.startsWith("// version ") || start.indexOf('\n') < 0) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Version(Integer.parseInt(start.substring(11, start.indexOf('\n')))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    private static final class Tally {
        final AtomicLong writes = new AtomicLong();
        final AtomicLong intact = new AtomicLong();
        final AtomicLong torn = new AtomicLong();
        final AtomicLong aborted = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        final AtomicLong busy = new AtomicLong();
        final AtomicReference<String> firstTorn = new AtomicReference<>();

        void judge(URI target, byte[] body, String etag, String reprDigest, String contentLength) {
            Optional<Version> version = Version.parse(body);
            if (version.isEmpty() || !Arrays.equals(version.get().bytes(), body)) {
                torn(target + ": a body that is no written version (" + body.length + " bytes, Content-Length "
                        + contentLength + ")");
                return;
            }
            byte[] sha256 = sha256(body);
            String expectedEtag = "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256) + "\"";
            String expectedDigest = "sha-256=:" + Base64.getEncoder().encodeToString(sha256) + ":";
            if (!expectedEtag.equals(etag) || !expectedDigest.equals(reprDigest)) {
                torn(target + ": version " + version.get().number() + " with ETag " + etag + " and Repr-Digest "
                        + reprDigest);
                return;
            }
            intact.incrementAndGet();
        }

        void torn(String what) {
            torn.incrementAndGet();
            firstTorn.compareAndSet(null, what);
        }

        @Override
        public String toString() {
            return "writes=" + writes + " reads=" + (intact.get() + torn.get() + aborted.get() + rejected.get()
                    + busy.get()) + " intact=" + intact + " torn=" + torn + " aborted=" + aborted
                    + " rejected(502)=" + rejected + " busy(503)=" + busy;
        }

        private static byte[] sha256(byte[] body) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(body);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new AssertionError(e);
            }
        }
    }
}
