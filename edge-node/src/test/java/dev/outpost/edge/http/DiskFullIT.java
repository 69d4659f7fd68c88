package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.cache.DiskTier;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.DiskConfig;
import dev.outpost.testkit.SmallTmpfs;
import java.io.IOException;
import java.nio.file.Path;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk tier on a real file system far smaller than its {@code cache.disk.maxBytes}: a 1 MiB tmpfs mounted for
 * the test (needs root, as CI runs; skipped otherwise: {@code DiskSpaceTest} covers the bound without a mount).
 * Before, the device filled, every write after failed with a warning each, and the tier never evicted again.
 */
class DiskFullIT {
    private static final int OBJECTS = 80;
    private static final int BODY = 20_000;
    private static final long CONFIGURED = 50_000_000;

    @TempDir
    Path dir;
    private SmallTmpfs small;
    private Path mount;

    @BeforeEach
    void mountSmallTmpfs() {
        small = SmallTmpfs.mount(dir.resolve("small"), 1_048_576);
        mount = small.path();
    }

    @AfterEach
    void unmount() {
        if (small != null) {
            small.close();
        }
    }

    private EdgeFixture edge(long minFreeBytes) throws IOException {
        DiskConfig disk = new DiskConfig(mount.resolve("disk").toString(), CONFIGURED, null, false, null, "never",
                minFreeBytes);
        EdgeFixture f = new EdgeFixture(c -> c.withCache(CacheConfig.ofSize(100_000, 100_000).withDisk(disk)));
        f.origin.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return new MockResponse.Builder().body(bodyOf(request.getUrl().encodedPath()))
                        .setHeader("Cache-Control", "max-age=600").setHeader("ETag", "\"v1\"")
                        .setHeader("Date", HttpDates.format(f.clock.instant())).build();
            }
        });
        return f;
    }

    private static String bodyOf(String path) {
        return (path + ";").repeat(BODY / (path.length() + 1) + 1).substring(0, BODY);
    }

    /** Every object fetched twice (the second time from memory, disk or origin), each answer whole and right. */
    private static DiskTier fetchAllTwice(EdgeFixture f) throws IOException {
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < OBJECTS; i++) {
                Answer a = f.fetch("/o" + i);
                assertThat(a.code()).isEqualTo(200);
                assertThat(a.body()).as("/o" + i).isEqualTo(bodyOf("/o" + i));
            }
        }
        DiskTier disk = f.edge.store().disk().orElseThrow();
        disk.drain();
        return disk;
    }

    @Test
    void aTierOnAFileSystemSmallerThanItsMaxBytesKeepsMinFreeBytesFreeAndNeverFailsAWrite() throws Exception {
        try (EdgeFixture f = edge(262_144)) {
            DiskTier disk = fetchAllTwice(f);

            assertThat(disk.writeFailures()).isZero();
            assertThat(disk.writes()).as("1.6 MB written through a 1 MiB file system (and misses of the second round"
                    + " written again)").isGreaterThanOrEqualTo(OBJECTS);
            assertThat(small.freeBytes()).as("free after the last write: the margin, less block rounding")
                    .isGreaterThan(262_144 - 2 * BODY);
            assertThat(disk.maxBytes()).as("edge_disk_max_bytes, cut short by the file system")
                    .isLessThan(1_048_576).isGreaterThanOrEqualTo(disk.bytes());
            assertThat(disk.bytes()).isPositive();
        }
    }

    @Test
    void withNoMarginAFullDeviceMakesTheTierEvictForTheWriteInsteadOfFailingIt() throws Exception {
        try (EdgeFixture f = edge(0)) {
            DiskTier disk = fetchAllTwice(f);

            assertThat(disk.writeFailures()).as("each write that found the device full made room and went on")
                    .isZero();
            assertThat(disk.writes()).isGreaterThanOrEqualTo(OBJECTS);
            assertThat(disk.evictions()).isPositive();
            assertThat(disk.maxBytes()).isLessThan(1_048_576);
        }
    }
}
