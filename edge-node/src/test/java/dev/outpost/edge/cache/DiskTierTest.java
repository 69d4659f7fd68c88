package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskTierTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;
    private DiskTier disk;

    @AfterEach
    void close() {
        if (disk != null) {
            disk.close();
        }
    }

    private DiskTier open(long maxBytes, AtomicBoolean caughtUp) {
        if (disk != null) {
            disk.close();
        }
        disk = DiskTier.open(dir, maxBytes, maxBytes, 8, true, DiskTier.DEFAULT_MAX_QUEUED_BYTES, caughtUp::get);
        return disk;
    }

    private static CachedObject object(String path, int bodyBytes, String... headers) {
        byte[] body = new byte[bodyBytes];
        Arrays.fill(body, (byte) ('a' + Math.floorMod(path.hashCode(), 26)));
        return CachedObjects.create("http://h" + path, Fields.empty(), 200,
                Fields.of(concat(headers, "cache-control", "max-age=600", "etag", "\"" + path + "\"")),
                ByteBuffer.wrap(body), NOW, NOW, TestObjects.POLICY);
    }

    private static String[] concat(String[] a, String... b) {
        return Stream.concat(Arrays.stream(a), Arrays.stream(b)).toArray(String[]::new);
    }

    private void write(CachedObject... objects) {
        for (CachedObject o : objects) {
            disk.offer(o, 0, TestObjects.ADMIT_ALL);
        }
        disk.drain();
    }

    private CachedObject find(String path) {
        DiskTier.Hit hit = disk.find("http://h" + path, Fields.empty());
        return hit == null ? null : hit.object();
    }

    private List<Path> files(String sub) {
        try (Stream<Path> all = Files.walk(dir.resolve(sub))) {
            return all.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(CachedObject o) {
        return StandardCharsets.UTF_8.decode(o.body()).toString();
    }

    @Test
    void aWrittenObjectReadsBackWithItsStatusHeadersFreshnessAndBody() {
        open(1_000_000, new AtomicBoolean(true));
        CachedObject original = object("/a", 100, "surrogate-key", "red blue", "content-type", "text/plain");
        write(original);

        CachedObject read = find("/a");
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.headers()).isEqualTo(original.headers());
        assertThat(read.body()).isEqualTo(original.body());
        assertThat(read.lifetime()).isEqualTo(Duration.ofSeconds(600));
        assertThat(read.responseTime()).isEqualTo(NOW);
        assertThat(read.surrogateKeys()).containsExactlyInAnyOrder("red", "blue");
        assertThat(read.invalidated()).isFalse();
        assertThat(files("tmp")).as("the staged file was renamed into place").isEmpty();
    }

    @Test
    void aLargeBodyIsMappedFromItsFileNotCopiedToTheHeap() {
        open(10_000_000, new AtomicBoolean(true));
        write(object("/big", 1_000_000));

        CachedObject read = find("/big");
        assertThat(read.mapped()).isTrue();
        assertThat(read.body()).isEqualTo(object("/big", 1_000_000).body());
    }

    @Test
    void theFilesStayWithinMaxBytesAndEvictedOnesAreDeleted() throws IOException {
        open(20_000, new AtomicBoolean(true));
        for (int i = 0; i < 60; i++) {
            write(object("/o" + i, 1_000));
        }

        long onDisk = 0;
        for (Path p : files("objects")) {
            onDisk += Files.size(p);
        }
        assertThat(onDisk).isLessThanOrEqualTo(20_000);
        assertThat(disk.bytes()).isEqualTo(onDisk);
        assertThat(disk.evictions()).isGreaterThan(0);
    }

    @Test
    void frequentlyReadObjectsSurviveAScanOfObjectsReadOnce() {
        open(30_000, new AtomicBoolean(true)); // room for about 20 objects
        for (int i = 0; i < 15; i++) {
            // Caffeine counts frequencies once half full
            disk.offer(object("/filler" + i, 1_000), 0, TestObjects.ADMIT_ALL);
        }
        List<String> hot = List.of("/hot1", "/hot2", "/hot3", "/hot4", "/hot5");
        for (String p : hot) {
            disk.offer(object(p, 1_000), 0, TestObjects.ADMIT_ALL);
        }
        disk.drain();
        for (int round = 0; round < 10; round++) {
            hot.forEach(this::find);
        }
        for (int i = 0; i < 300; i++) {
            disk.offer(object("/scan" + i, 1_000), 0, TestObjects.ADMIT_ALL); // LRU would flush the hot set here
        }
        disk.drain();

        for (String p : hot) {
            assertThat(find(p)).as(p + " kept by W-TinyLFU through a scan").isNotNull();
        }
    }

    @Test
    void afterACrashLeftoverTempFilesAreRemovedAndATornFileIsNeverServed() throws IOException {
        open(1_000_000, new AtomicBoolean(true));
        write(object("/whole", 5_000), object("/torn", 5_000));
        disk.close();
        disk = null;
        // What kill -9 mid-write leaves: a staged file never renamed ...
        Files.writeString(dir.resolve("tmp").resolve("99.tmp"), "half a head");
        // ... and, after a crash of the machine without fsync, a published name over a short file.
        Path torn = files("objects").stream().filter(p -> {
            try (FileChannel in = FileChannel.open(p, StandardOpenOption.READ)) {
                return DiskFile.read(in).orElseThrow().object().key().endsWith("/torn");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).findFirst().orElseThrow();
        try (FileChannel out = FileChannel.open(torn, StandardOpenOption.WRITE)) {
            out.truncate(Files.size(torn) - 1);
        }

        open(1_000_000, new AtomicBoolean(true));
        assertThat(files("tmp")).isEmpty();
        assertThat(find("/torn")).isNull();
        assertThat(Files.exists(torn)).as("the torn file is deleted").isFalse();
        assertThat(text(find("/whole"))).hasSize(5_000);
        assertThat(disk.restored()).isEqualTo(1);
        assertThat(disk.discarded()).isEqualTo(2);
    }

    @Test
    void aRestoredFileOfTheRightSizeWhoseBodyNeverReachedTheDeviceIsDroppedOnItsFirstRead() throws IOException {
        open(1_000_000, new AtomicBoolean(true));
        write(object("/small", 5_000), object("/large", 200_000));
        disk.close();
        disk = null;
        for (Path file : files("objects")) {
            // What a machine crash can leave without fsync: the name and the size, but zeros where the body was.
            long size = Files.size(file);
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
                out.write(ByteBuffer.allocate(1_000), size - 1_000);
            }
        }

        open(1_000_000, new AtomicBoolean(true));
        assertThat(disk.restored()).isEqualTo(2);
        assertThat(find("/small")).isNull();
        assertThat(find("/large")).isNull();
        assertThat(files("objects")).isEmpty();
    }

    @Test
    void aFileTruncatedWhileIndexedIsDroppedNotServed() throws IOException {
        open(1_000_000, new AtomicBoolean(true));
        write(object("/a", 5_000));
        Path file = files("objects").get(0);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            out.truncate(100);
        }

        assertThat(find("/a")).isNull();
        assertThat(disk.entries()).isZero();
    }

    @Test
    void aFileGrownWhileIndexedIsDroppedNotServed() throws IOException {
        open(1_000_000, new AtomicBoolean(true));
        write(object("/a", 5_000));
        Path file = files("objects").get(0);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.APPEND)) {
            out.write(ByteBuffer.wrap(new byte[] {'x'}));
        }

        assertThat(find("/a")).isNull();
        assertThat(disk.entries()).isZero();
        assertThat(disk.discarded()).isEqualTo(1);
    }

    @Test
    void aSmallObjectIsReadAsAViewOfItsWholeFileAndCopiedOnlyWhenPromotedToMemory() {
        open(1_000_000, new AtomicBoolean(true));
        write(object("/a", 3_000));

        CachedObject read = find("/a");
        assertThat(read.mapped()).as("its body is a slice of the buffer the whole file was read into").isTrue();
        assertThat(read.body()).isEqualTo(object("/a", 3_000).body());

        // Promoted to memory, it holds a copy of its body only, not the file's head and metadata around it.
        CacheStore store = new CacheStore(1_000_000, 8, Duration.ofMinutes(2), Optional.of(disk));
        store.findOnDisk("http://h/a", Fields.empty());
        store.findOnDisk("http://h/a", Fields.empty());
        CachedObject promoted = store.find("http://h/a", Fields.empty());
        assertThat(promoted.mapped()).isFalse();
        assertThat(promoted.body().isDirect()).isTrue();
        assertThat(promoted.body()).isEqualTo(read.body());
    }

    @Test
    void restoredObjectsMustBeRevalidatedAndNeverServedStaleUntilTheEdgeCaughtUp() {
        AtomicBoolean caughtUp = new AtomicBoolean(false);
        open(1_000_000, caughtUp);
        write(object("/a", 10));
        assertThat(find("/a").isFresh(NOW)).as("written in this run: trusted").isTrue();

        open(1_000_000, caughtUp);
        CachedObject restored = find("/a");
        assertThat(restored.isFresh(NOW)).isFalse();
        assertThat(restored.usableOnError(NOW)).isFalse();
        assertThat(disk.find("http://h/a", Fields.empty()).promote()).isFalse();

        caughtUp.set(true);
        assertThat(find("/a").isFresh(NOW)).isTrue();
    }

    @Test
    void aHardPurgeDeletesTheFileAndASoftPurgeIsStillThereAfterReopen() {
        open(1_000_000, new AtomicBoolean(true));
        write(object("/hard", 10), object("/soft", 10, "surrogate-key", "t"));

        assertThat(disk.purge("http://h/hard", false)).isEqualTo(1);
        assertThat(disk.purgeTag("t", true)).isEqualTo(1);
        assertThat(files("objects")).hasSize(1);

        open(1_000_000, new AtomicBoolean(true));
        assertThat(find("/hard")).isNull();
        assertThat(find("/soft").invalidated()).isTrue();
        assertThat(find("/soft").isFresh(NOW)).isFalse();
    }

    @Test
    void purgesInOneBatchFlushEachDirectoryOnceAfterTheLastAndStayPurgedAfterReopen() {
        open(1_000_000, new AtomicBoolean(true));
        List<String> paths = java.util.stream.IntStream.range(0, 40).mapToObj(i -> "/o" + i).toList();
        write(paths.stream().map(p -> object(p, 10)).toArray(CachedObject[]::new));
        List<String> purged = paths.subList(0, 30);
        long directories = files("objects").stream().filter(f -> purged.stream()
                .anyMatch(p -> f.getFileName().toString().startsWith(name(p)))).map(Path::getParent).distinct()
                .count();
        long flushedBefore = disk.directoryFlushes();

        disk.flushingOnce(() -> {
            purged.forEach(p -> assertThat(disk.purgeObject("http://h" + p, false)).isEqualTo(1));
            assertThat(disk.directoryFlushes()).as("deferred to the batch's end").isEqualTo(flushedBefore);
        });

        assertThat(disk.directoryFlushes() - flushedBefore).isEqualTo(directories).isLessThan(purged.size());
        assertThat(files("objects")).hasSize(10);
        open(1_000_000, new AtomicBoolean(true)); // what a restart finds
        purged.forEach(p -> assertThat(find(p)).as(p).isNull());
        paths.subList(30, 40).forEach(p -> assertThat(find(p)).as(p).isNotNull());
    }

    @Test
    void aSoftPurgeInABatchIsFlushedAndKeptAfterReopen() {
        open(1_000_000, new AtomicBoolean(true));
        write(object("/a", 10), object("/b", 10));
        disk.flushingOnce(() -> assertThat(disk.purgeObject("http://h/a", true)).isEqualTo(1));
        open(1_000_000, new AtomicBoolean(true));
        assertThat(find("/a").invalidated()).isTrue();
        assertThat(find("/b").invalidated()).isFalse();
    }

    @Test
    void aUrlPurgeReachesTheObjectsSlicesAndHeadButNotAnotherUrlsThatItPrefixes() {
        open(1_000_000, new AtomicBoolean(true));
        CachedObject head = object("/big slices", 10);
        CachedObject slice = object("/big slices 0 \"v1\"", 10);
        write(object("/big", 10), head, slice, object("/bigger", 10));
        assertThat(disk.purgeObject("http://h/big", false)).as("the object and its head, not its slices").isEqualTo(2);
        assertThat(find("/big")).isNull();
        assertThat(find("/big slices")).isNull();
        assertThat(find("/big slices 0 \"v1\"")).isNull();
        assertThat(find("/bigger")).isNotNull();
    }

    /** The start of an object file's name: the digest of its key and (empty) variant. */
    private static String name(String path) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(("http://h" + path + '\u0000').getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aDirectoryInUseByAnotherEdgeIsRefusedNamingIt() {
        open(1_000_000, new AtomicBoolean(true));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DiskTier.open(dir, 1_000, 1_000, 8, true, 1_000,
                () -> true))
                .hasMessageContaining(dir.toString()).hasMessageContaining("another edge uses it");
    }

    @Test
    void aNewerCopyReplacesTheOlderFile() {
        open(1_000_000, new AtomicBoolean(true));
        write(object("/a", 10), object("/a", 20));

        assertThat(find("/a").length()).isEqualTo(20);
        assertThat(files("objects")).hasSize(1);
    }

    @Test
    void aShardDirectoryRemovedUnderTheTierIsMadeAgainOnTheNextWrite() throws IOException {
        open(1_000_000, new AtomicBoolean(true));
        try (Stream<Path> shards = Files.list(dir.resolve("objects"))) {
            assertThat(shards.filter(Files::isDirectory).count()).isEqualTo(256); // made once, at open
        }
        try (Stream<Path> shards = Files.list(dir.resolve("objects"))) {
            for (Path shard : shards.toList()) {
                Files.delete(shard);
            }
        }

        write(object("/a", 10));

        assertThat(find("/a").length()).isEqualTo(10);
        assertThat(disk.writeFailures()).isZero();
        assertThat(files("objects")).hasSize(1);
    }

    @Test
    void aWriteTheGuardRefusesIsNeverPublished() {
        open(1_000_000, new AtomicBoolean(true));
        disk.offer(object("/a", 10), 0, (object, ticket, publish) -> false);
        disk.drain();

        assertThat(find("/a")).isNull();
        assertThat(files("objects")).isEmpty();
        assertThat(files("tmp")).isEmpty();
        assertThat(disk.rejections()).isEqualTo(1);
    }

    @Test
    void objectsOverMaxObjectBytesAreDeclined() {
        disk = DiskTier.open(dir, 1_000_000, 100, 8, false, 1_000_000, () -> true);
        write(object("/big", 101));

        assertThat(find("/big")).isNull();
        assertThat(disk.rejections()).isEqualTo(1);
    }

    @Test
    void aPurgeWhileAWriteIsQueuedKeepsItOffDiskThroughTheStore() {
        open(1_000_000, new AtomicBoolean(true));
        CacheStore store = new CacheStore(1_000_000, 8, Duration.ofMinutes(2), Optional.of(disk));
        for (int i = 0; i < 50; i++) {
            store.put(object("/a", 10_000));
            store.purge("http://h/a", false);
        }
        disk.drain();

        assertThat(store.lookup("http://h/a", Fields.empty())).isEmpty();
        assertThat(files("objects")).isEmpty();
    }

    @Test
    void theMemoryTierNeverHoldsAMappedFile() {
        open(10_000_000, new AtomicBoolean(true));
        write(object("/big", 200_000));
        CacheStore store = new CacheStore(5_000_000, 8, Duration.ofMinutes(2), Optional.of(disk));

        CachedObject fromDisk = store.findOnDisk("http://h/big", Fields.empty());
        assertThat(fromDisk.mapped()).isTrue();
        store.findOnDisk("http://h/big", Fields.empty()); // asked again: promoted
        CachedObject promoted = store.find("http://h/big", Fields.empty());
        assertThat(promoted.mapped()).isFalse();
        assertThat(promoted.body()).isEqualTo(fromDisk.body());

        // A 304 refreshes the disk copy: the refreshed object still maps the file until the store copies it.
        CachedObject refreshed = CachedObjects.refresh(fromDisk, Fields.of("cache-control", "max-age=60"), NOW, NOW,
                TestObjects.POLICY);
        assertThat(refreshed.mapped()).isTrue();
        store.put(refreshed);
        assertThat(store.find("http://h/big", Fields.empty()).mapped()).isFalse();
    }

    @Test
    void anObjectEvictedFromMemoryIsFoundOnDiskAndPromotedWhenAskedAgain() {
        open(10_000_000, new AtomicBoolean(true));
        CacheStore store = new CacheStore(5_000, 8, Duration.ofMinutes(2), Optional.of(disk));
        for (int i = 0; i < 20; i++) {
            store.put(object("/o" + i, 1_000));
        }
        disk.drain();
        String evicted = java.util.stream.IntStream.range(0, 20).mapToObj(i -> "http://h/o" + i)
                .filter(k -> store.find(k, Fields.empty()) == null).findFirst().orElseThrow();

        assertThat(store.findOnDisk(evicted, Fields.empty())).isNotNull();
        // Asked again and again: offered to memory each time, where W-TinyLFU admits it once it is the more
        // frequent of it and the victim.
        for (int i = 0; i < 5 && store.find(evicted, Fields.empty()) == null; i++) {
            assertThat(store.findOnDisk(evicted, Fields.empty())).isNotNull();
        }
        assertThat(store.find(evicted, Fields.empty())).as("promoted to memory").isNotNull();

    }
}
