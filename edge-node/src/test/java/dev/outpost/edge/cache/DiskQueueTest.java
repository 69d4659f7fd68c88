package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes queued behind the disk writer: found by lookups from the memory they hold, with every purge applied to
 * them as it would be to a published file. The writer is held by a write whose guard waits on a latch.
 */
class DiskQueueTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;
    private DiskTier disk;
    private CacheStore store;
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch secondRelease = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        secondRelease.countDown();
        if (disk != null) {
            disk.close();
        }
    }

    /** A disk tier whose writer is busy until {@link #release} opens, under a store whose memory holds 100 bytes. */
    private void openWithWriterHeld(long maxQueuedBytes) {
        disk = DiskTier.open(dir, 10_000_000, 1_000_000, 8, false, maxQueuedBytes, () -> true);
        store = new CacheStore(100, 8, Duration.ofMinutes(2), Optional.of(disk));
        CountDownLatch held = new CountDownLatch(1);
        disk.offer(object("/hold", "v0", 1), 0, (object, ticket, publish) -> {
            held.countDown();
            await(release);
            return false;
        });
        await(held);
    }

    /** Holds the (already opened) tier's writer again, until {@link #secondRelease} opens (closed after each test). */
    private void openWithWriterHeldAgain() {
        CountDownLatch held = new CountDownLatch(1);
        disk.offer(object("/hold", "v0", 1), 0, (object, ticket, publish) -> {
            held.countDown();
            await(secondRelease);
            return false;
        });
        await(held);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static CachedObject object(String path, String version, int bodyBytes, String... headers) {
        return object(path, Fields.empty(), version, bodyBytes, headers);
    }

    private static CachedObject object(String path, Fields request, String version, int bodyBytes,
            String... headers) {
        String[] all = Stream.concat(Stream.of(headers), Stream.of("cache-control", "max-age=600", "etag",
                "\"" + version + "\"", "surrogate-key", "tag" + path)).toArray(String[]::new);
        byte[] body = (version + " ".repeat(bodyBytes)).substring(0, bodyBytes).getBytes(StandardCharsets.UTF_8);
        return CachedObjects.create("http://h" + path, request, 200, Fields.of(all), ByteBuffer.wrap(body), NOW, NOW,
                TestObjects.POLICY);
    }

    /** Stores a fetched answer as the edge does; the memory tier (100 bytes) turns it away. */
    private void fetched(CachedObject object) {
        assertThat(store.putFetched(object, store.fetchTicket())).isEqualTo(CacheStore.Admission.STORED);
        assertThat(store.find(object.key(), Fields.empty())).as("not in memory").isNull();
    }

    private static String bodyOf(CachedObject o) {
        return StandardCharsets.UTF_8.decode(o.body()).toString();
    }

    private List<Path> published() {
        try (Stream<Path> all = Files.walk(dir.resolve("objects"))) {
            return all.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aQueuedWriteIsFoundFromMemoryBeforeItIsPublishedAndFromItsFileAfter() {
        openWithWriterHeld(1_000_000);
        fetched(object("/a", "v1", 1_000));

        CachedObject queued = store.findOnDisk("http://h/a", Fields.empty());
        assertThat(bodyOf(queued)).startsWith("v1");
        assertThat(queued.invalidated()).isFalse();
        assertThat(disk.queuedHits()).isEqualTo(1);
        assertThat(published()).isEmpty();

        release.countDown();
        disk.drain();
        assertThat(published()).hasSize(1);
        assertThat(bodyOf(store.findOnDisk("http://h/a", Fields.empty()))).startsWith("v1");
        assertThat(disk.queuedHits()).as("from the file now").isEqualTo(1);
        assertThat(disk.queuedBytes()).isZero();
    }

    @Test
    void aHardPurgeWhileQueuedMakesTheNextLookupAMissAndTheObjectIsNeverPublished() {
        openWithWriterHeld(1_000_000);
        fetched(object("/a", "v1", 1_000));

        assertThat(store.purge("http://h/a", false)).as("the queued object counts as purged").isEqualTo(1);

        assertThat(store.findOnDisk("http://h/a", Fields.empty())).isNull();
        release.countDown();
        disk.drain();
        assertThat(store.findOnDisk("http://h/a", Fields.empty())).isNull();
        assertThat(published()).isEmpty();
    }

    @Test
    void aTagPurgeWhileQueuedMakesTheNextLookupAMissAndTheObjectIsNeverPublished() {
        openWithWriterHeld(1_000_000);
        fetched(object("/a", "v1", 1_000));
        fetched(object("/b", "v1", 1_000));

        store.purgeTag("tag/a", false);

        assertThat(store.findOnDisk("http://h/a", Fields.empty())).isNull();
        assertThat(store.findOnDisk("http://h/b", Fields.empty())).as("another tag").isNotNull();
        release.countDown();
        disk.drain();
        assertThat(store.findOnDisk("http://h/a", Fields.empty())).isNull();
        assertThat(published()).hasSize(1);
    }

    @Test
    void aSoftPurgeWhileQueuedAnswersItStaleAndPublishesItStale() {
        openWithWriterHeld(1_000_000);
        fetched(object("/a", "v1", 1_000));

        store.purge("http://h/a", true);

        assertThat(store.findOnDisk("http://h/a", Fields.empty()).invalidated()).as("must be revalidated").isTrue();
        release.countDown();
        disk.drain();
        assertThat(store.findOnDisk("http://h/a", Fields.empty()).invalidated()).isTrue();
    }

    @Test
    void aHardPurgeOfAUrlOnDiskAlsoDropsItsNewerQueuedCopyAndCountsTheObjectOnce() {
        openWithWriterHeld(1_000_000);
        release.countDown();
        fetched(object("/a", "v1", 1_000));
        disk.drain();
        openWithWriterHeldAgain();
        fetched(object("/a", "v2", 1_000));

        assertThat(store.purge("http://h/a", false)).isEqualTo(1);

        assertThat(store.findOnDisk("http://h/a", Fields.empty())).isNull();
        assertThat(published()).isEmpty();
    }

    @Test
    void queuedVariantsAnswerOnlyTheRequestsTheyMatch() {
        openWithWriterHeld(1_000_000);
        Fields gzip = Fields.of("accept-encoding", "gzip");
        Fields br = Fields.of("accept-encoding", "br");
        fetched(object("/v", gzip, "gz", 1_000, "vary", "accept-encoding", "content-encoding", "gzip"));
        fetched(object("/v", br, "br", 1_000, "vary", "accept-encoding", "content-encoding", "br"));

        assertThat(bodyOf(store.findOnDisk("http://h/v", gzip))).startsWith("gz");
        assertThat(bodyOf(store.findOnDisk("http://h/v", br))).startsWith("br");
        assertThat(store.findOnDisk("http://h/v", Fields.of("accept-encoding", "zstd"))).isNull();

        release.countDown();
        disk.drain();
        assertThat(bodyOf(store.findOnDisk("http://h/v", gzip))).startsWith("gz");
        assertThat(bodyOf(store.findOnDisk("http://h/v", br))).startsWith("br");
        assertThat(published()).hasSize(2);
    }

    @Test
    void aNewerCopyQueuedBehindAnOlderOneIsWhatIsFoundAndWritten() {
        openWithWriterHeld(1_000_000);
        fetched(object("/a", "v1", 1_000));
        fetched(object("/a", "v2", 1_000));

        assertThat(bodyOf(store.findOnDisk("http://h/a", Fields.empty()))).startsWith("v2");
        release.countDown();
        disk.drain();
        assertThat(published()).hasSize(1);
        assertThat(bodyOf(store.findOnDisk("http://h/a", Fields.empty()))).startsWith("v2");
    }

    @Test
    void theQueueHoldsAtMostMaxQueuedBytesAndDeclinesWhatIsPast() {
        openWithWriterHeld(2_500); // the holding write takes 1 byte of it
        long rejectedBefore = disk.rejections();
        fetched(object("/a", "v1", 1_000));
        fetched(object("/b", "v1", 1_000));
        fetched(object("/c", "v1", 1_000));

        assertThat(disk.queuedBytes()).isEqualTo(2_001);
        assertThat(disk.rejections() - rejectedBefore).isEqualTo(1);
        assertThat(store.findOnDisk("http://h/c", Fields.empty())).as("declined: neither queued nor written").isNull();
        assertThat(store.findOnDisk("http://h/b", Fields.empty())).isNotNull();
    }
}
