package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk tier on a file system shorter of space than {@code cache.disk.maxBytes}: the file system's free space is
 * its size minus the real files under the tier's directory and what "other files" take (a real full device, with
 * its write errors, is {@code DiskFullIT}'s).
 */
class DiskSpaceTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;
    private DiskTier disk;
    private final AtomicLong fileSystemBytes = new AtomicLong();
    private final AtomicLong otherFiles = new AtomicLong();

    @AfterEach
    void close() {
        if (disk != null) {
            disk.close();
        }
    }

    private DiskTier open(long maxBytes, long minFreeBytes, long fileSystem) {
        fileSystemBytes.set(fileSystem);
        disk = DiskTier.open(dir, maxBytes, minFreeBytes, this::usable);
        return disk;
    }

    private long usable() {
        return Math.max(0, fileSystemBytes.get() - otherFiles.get() - bytesUnder(dir));
    }

    private static long bytesUnder(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CachedObject object(String path, int bodyBytes) {
        byte[] body = new byte[bodyBytes];
        Arrays.fill(body, (byte) 'x');
        return CachedObjects.create("http://h" + path, Fields.empty(), 200,
                Fields.of("cache-control", "max-age=600", "etag", "\"" + path + "\""), ByteBuffer.wrap(body), NOW,
                NOW, TestObjects.POLICY);
    }

    private void write(String prefix, int count, int bodyBytes) {
        for (int i = 0; i < count; i++) {
            disk.offer(object(prefix + i, bodyBytes), 0, TestObjects.ADMIT_ALL);
            disk.drain(); // one at a time, as a steady trickle of fills
        }
    }

    @Test
    void aTierLargerThanItsFileSystemLeavesMinFreeBytesFreeAndGoesOnWriting() {
        open(10_000_000, 100_000, 400_000);

        write("/o", 100, 10_000);

        assertThat(disk.writeFailures()).isZero();
        assertThat(disk.writes()).as("every object written, older ones evicted for it").isEqualTo(100);
        assertThat(disk.evictions()).isPositive();
        assertThat(usable()).as("free on the file system after the last write").isGreaterThanOrEqualTo(100_000);
        assertThat(disk.bytes()).isLessThanOrEqualTo(300_000);
        assertThat(bytesUnder(dir)).as("what the index holds is what is on disk").isEqualTo(disk.bytes());
        assertThat(disk.maxBytes()).as("the bound reported, below cache.disk.maxBytes").isLessThan(10_000_000)
                .isGreaterThanOrEqualTo(disk.bytes());
    }

    @Test
    void spaceOtherFilesTakeIsGivenBackAndTheBoundGrowsAgainWhenItIsFreed() {
        open(600_000, 100_000, 1_000_000);
        write("/a", 40, 10_000);
        long held = disk.bytes();
        assertThat(held).isGreaterThan(400_000);
        assertThat(disk.maxBytes()).isEqualTo(600_000);

        otherFiles.set(1_000_000 - held - 20_000); // the logs grew until 20 kB were left
        write("/b", 1, 10_000);
        assertThat(usable()).as("the tier evicted to keep the margin").isGreaterThanOrEqualTo(100_000);
        assertThat(disk.bytes()).isLessThan(held - 70_000);

        otherFiles.set(0); // rotated away
        write("/c", 1, 10_000);
        assertThat(disk.maxBytes()).as("back to cache.disk.maxBytes").isEqualTo(600_000);
        assertThat(disk.writeFailures()).isZero();
    }

    @Test
    void aDiskThatFilledWhileTheEdgeWasDownIsTrimmedWhenTheTierOpens() {
        open(600_000, 100_000, 1_000_000);
        write("/a", 40, 10_000);
        disk.close();
        assertThat(bytesUnder(dir)).isGreaterThan(400_000);

        long held = bytesUnder(dir);
        otherFiles.set(1_000_000 - held - 20_000); // other files took all but 20 kB meanwhile
        disk = DiskTier.open(dir, 600_000, 100_000, this::usable);

        assertThat(disk.restored()).isEqualTo(40);
        assertThat(usable()).as("trimmed before the first write").isGreaterThanOrEqualTo(100_000);
        assertThat(bytesUnder(dir)).isEqualTo(disk.bytes()).isLessThanOrEqualTo(held - 80_000);
    }

    @Test
    void minFreeBytesDefaultsToFivePercentOfTheFileSystemAtMostOneGibibyte() throws IOException {
        long total = Files.getFileStore(dir).getTotalSpace();
        try (DiskTier byDefault = DiskTier.open(dir.resolve("d"), 1_000_000, 1_000_000, 8, false, 1_000_000,
                () -> true, "never", null)) {
            assertThat(byDefault.minFreeBytes()).isEqualTo(Math.min(1L << 30, total / 100 * 5));
        }
        try (DiskTier set = DiskTier.open(dir.resolve("s"), 1_000_000, 1_000_000, 8, false, 1_000_000,
                () -> true, "never", 0L)) {
            assertThat(set.minFreeBytes()).isZero();
        }
        assertThatThrownBy(() -> new DiskSpace("d", 1, -1, () -> 0)).hasMessageContaining("minFreeBytes");
    }
}
