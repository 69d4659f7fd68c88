package dev.outpost.origin.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import dev.outpost.origin.assets.AssetWriter;
import dev.outpost.origin.content.MasterFile;
import dev.outpost.origin.content.MasterStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica never lands a copy whose bytes do not match the digest its primary's change names: against a stand-in
 * primary whose content port sends corrupted bytes, the file never appears (nor a temp file), the position does not
 * move, the mismatch is counted; once the right bytes come, the copy lands.
 */
class DigestMismatchIT {
    private static final byte[] GOOD = "the bytes the primary wrote".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CORRUPT = "the bytes the primary wrote, bent".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path temp;

    private final MockWebServer server = new MockWebServer();
    private final FakePrimary fake = new FakePrimary();
    private Origins origins;

    @BeforeEach
    void start() throws IOException {
        server.setDispatcher(fake);
        server.start();
        origins = new Origins(temp);
    }

    @AfterEach
    void stop() {
        origins.close();
        server.close();
    }

    @Test
    void aCopyWhoseBytesDoNotMatchItsDigestNeverLands() throws IOException {
        OriginNode replica = origins.start(origins.config("eu").withReplication(
                OriginConfig.Replication.replicaOf(server.url("/").uri(), Optional.of("eu"))));
        await().atMost(Origins.PATIENCE).until(() ->
                replica.replication().following().orElseThrow().digestMismatches() >= 3);

        assertThat(temp.resolve("eu/asset.txt")).doesNotExist();
        assertThat(origins.get(replica, "/asset.txt").code()).isEqualTo(404);
        assertThat(replica.replication().head()).as("the change is not applied").isZero();
        try (Stream<Path> files = Files.walk(temp.resolve("eu"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.startsWith(AssetWriter.TEMP_PREFIX));
        }
        assertThat(replica.replication().following().orElseThrow().problem())
                .hasValueSatisfying(p -> assertThat(p).contains("does not match"));
        assertThat(origins.metrics(replica).text()).containsPattern("origin_replication_digest_mismatches_total [1-9]");

        fake.repaired.set(true);
        await().atMost(Origins.PATIENCE).until(() -> replica.replication().head() == 1);
        assertThat(Files.readAllBytes(temp.resolve("eu/asset.txt"))).isEqualTo(GOOD);
    }

    /** Announces one change of {@code /asset.txt} with the digest of GOOD; serves CORRUPT until repaired. */
    private static final class FakePrimary extends Dispatcher {
        final AtomicBoolean repaired = new AtomicBoolean();
        private final byte[] sha256 = MasterStore.sha256().digest(GOOD);
        private final String digest = "sha-256=:" + Base64.getEncoder().encodeToString(sha256) + ":";

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            HttpUrl url = request.getUrl();
            return switch (url.encodedPath()) {
                case "/_origin/replication/changes" -> changes(Long.parseLong(url.queryParameter("after")));
                case "/asset.txt" -> {
                    if (!MasterFile.etagOf(sha256).equals(request.getHeaders().get("If-Match"))) {
                        yield new MockResponse.Builder().code(412).build();
                    }
                    yield new MockResponse.Builder().code(200).body(new okio.Buffer().write(
                            repaired.get() ? GOOD : CORRUPT)).build();
                }
                default -> new MockResponse.Builder().code(404).build();
            };
        }

        /** The replica's own new log is accepted as it is (a stand-in need not make it resync first). */
        private MockResponse changes(long after) {
            List<ChangeEntry> entries = after == 0 ? List.of(new ChangeEntry(1, 1, ChangeNotice.Event.CHANGED,
                    "/asset.txt", Optional.of(digest), GOOD.length, Instant.now())) : List.of();
            ChangeBatch batch = new ChangeBatch("fake", 1, 1, 1, List.of(new ReplicationStatus.EpochStart(1, 1)),
                    entries);
            MockResponse.Builder response = new MockResponse.Builder().code(200)
                    .addHeader("Content-Type", "application/json").body(new String(Json.bytes(batch),
                            StandardCharsets.UTF_8));
            if (entries.isEmpty()) {
                response.headersDelay(200, TimeUnit.MILLISECONDS); // a long poll that times out, shortened
            }
            return response.build();
        }
    }
}
