package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.DiskTier;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.DiskConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk tier under the memory store, through real sockets: hits after memory eviction, purges, restarts. */
class DiskTierIT {
    private static final long MEMORY_BYTES = 40_000;
    private static final long MAX_OBJECT = 2_000_000;

    @TempDir
    Path dir;

    private EdgeFixture edgeWithDisk() throws IOException {
        return new EdgeFixture(c -> c.withCache(CacheConfig.ofSize(4_000_000, MAX_OBJECT)
                .withDisk(DiskConfig.OFF.at(dir.resolve("disk"), 50_000_000))));
    }

    /** A 40 kB memory tier over a 10 MB disk tier. */
    private EdgeFixture smallMemoryEdge() throws IOException {
        return new EdgeFixture(c -> c.withCache(CacheConfig.ofSize(MEMORY_BYTES, 10_000)
                .withDisk(DiskConfig.OFF.at(dir.resolve("disk"), 10_000_000))));
    }

    /** Answers every path with its own body of {@code bytes} bytes, cacheable for 10 minutes, tagged "all". */
    private static void serveBodies(EdgeFixture f, int bytes) {
        f.origin.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return new MockResponse.Builder().body(bodyOf(request.getUrl().encodedPath(), bytes))
                        .setHeader("Cache-Control", "max-age=600").setHeader("ETag", "\"v1\"")
                        .setHeader("Surrogate-Key", "all").setHeader("Date", HttpDates.format(f.clock.instant()))
                        .build();
            }
        });
    }

    private static String bodyOf(String path, int bytes) {
        StringBuilder b = new StringBuilder(bytes);
        while (b.length() < bytes) {
            b.append(path).append(';');
        }
        return b.substring(0, bytes);
    }

    private static DiskTier disk(EdgeFixture f) {
        DiskTier disk = f.edge.store().disk().orElseThrow();
        disk.drain();
        return disk;
    }

    private static String evictedFromMemory(EdgeFixture f, int count) {
        CacheStore store = f.edge.store();
        return IntStream.range(0, count).mapToObj(i -> "/o" + i)
                .filter(p -> store.find(EdgeFixture.key(p), Fields.empty()) == null).findFirst()
                .orElseThrow(() -> new AssertionError("memory evicted nothing"));
    }

    /**
     * Serves bodies of {@code bytes}, fetches {@code /o0} to {@code /o<count-1>} (each a 200), waits for their disk
     * writes and returns one that memory no longer holds.
     */
    private static String fillThenEvict(EdgeFixture f, int count, int bytes) throws IOException {
        serveBodies(f, bytes);
        for (int i = 0; i < count; i++) {
            assertThat(f.fetch("/o" + i).code()).isEqualTo(200);
        }
        disk(f);
        return evictedFromMemory(f, count);
    }

    private static Answer purge(EdgeFixture f, String json) throws IOException {
        Request request = new Request.Builder().url(f.admin() + "/_edge/purge")
                .header("Authorization", "Bearer " + EdgeFixture.ADMIN_TOKEN)
                .post(RequestBody.create(json, MediaType.get("application/json"))).build();
        try (Response r = f.client.newCall(request).execute()) {
            return new Answer(r.code(), r.body().string(), r.headers());
        }
    }

    @Test
    void anObjectEvictedFromMemoryIsAnsweredFromDiskWithoutAskingTheOrigin() throws Exception {
        try (EdgeFixture f = smallMemoryEdge()) {
            String evicted = fillThenEvict(f, 40, 4_000);
            int originRequests = f.origin.getRequestCount();

            Answer again = f.fetch(evicted);
            assertThat(again.body()).isEqualTo(bodyOf(evicted, 4_000));
            assertThat(again.header("Cache-Status")).startsWith("Outpost; hit").contains("detail=disk");
            assertThat(f.origin.getRequestCount()).isEqualTo(originRequests);
            assertThat(disk(f).hits()).isEqualTo(1);
            assertThat(disk(f).bytes()).isLessThanOrEqualTo(10_000_000);
        }
    }

    @Test
    void readOnTheIoThreadADiskHitIsTheSameAnswerAndAPurgeStillReachesIt() throws Exception {
        DiskConfig onIoThread = new DiskConfig(dir.resolve("disk").toString(), 50_000_000L, null, false, null,
                "always");
        try (EdgeFixture f = new EdgeFixture(c -> c.withCache(CacheConfig.ofSize(MEMORY_BYTES, 10_000)
                .withDisk(onIoThread)))) {
            assertThat(f.edge.store().diskReadsOnIoThread()).isTrue();
            String evicted = fillThenEvict(f, 40, 4_000);
            int originRequests = f.origin.getRequestCount();

            Answer whole = f.fetch(evicted);
            assertThat(whole.body()).isEqualTo(bodyOf(evicted, 4_000));
            assertThat(whole.header("Cache-Status")).startsWith("Outpost; hit").contains("detail=disk");
            Answer range = f.fetch(evicted, "Range", "bytes=10-19");
            assertThat(range.code()).isEqualTo(206);
            assertThat(range.body()).isEqualTo(bodyOf(evicted, 4_000).substring(10, 20));
            assertThat(f.origin.getRequestCount()).as("both answered by the disk tier").isEqualTo(originRequests);

            assertThat(purge(f, "{\"urls\":[\"http://" + EdgeFixture.HOST + evicted + "\"]}").code())
                    .isEqualTo(200);
            Answer afterPurge = f.fetch(evicted);
            assertThat(afterPurge.header("Cache-Status")).doesNotContain("hit");
            assertThat(f.origin.getRequestCount()).as("the purge reached the disk tier").isEqualTo(originRequests + 1);
        }
    }

    @Test
    void aTierOnTmpfsIsReadOnTheIoThreadByDefaultAndOneOnAnotherFileSystemIsNot() throws Exception {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(shm)
                && java.nio.file.Files.getFileStore(shm).type().equals("tmpfs"), "no tmpfs at /dev/shm");
        Path onTmpfs = java.nio.file.Files.createTempDirectory(shm, "outpost-disktier-it");
        try {
            try (EdgeFixture f = new EdgeFixture(c -> c.withCache(CacheConfig.ofSize(MEMORY_BYTES, 10_000)
                    .withDisk(DiskConfig.OFF.at(onTmpfs.resolve("disk"), 10_000_000))))) {
                assertThat(f.edge.store().diskReadsOnIoThread()).as("auto, on tmpfs").isTrue();
            }
            String type = java.nio.file.Files.getFileStore(dir).type();
            try (EdgeFixture f = new EdgeFixture(c -> c.withCache(CacheConfig.ofSize(MEMORY_BYTES, 10_000)
                    .withDisk(DiskConfig.OFF.at(dir.resolve("disk"), 10_000_000))))) {
                assertThat(f.edge.store().diskReadsOnIoThread()).as("auto, on " + type)
                        .isEqualTo(type.equals("tmpfs") || type.equals("ramfs"));
            }
            DiskConfig never = new DiskConfig(onTmpfs.resolve("never").toString(), 10_000_000L, null, false, null,
                    "never");
            try (EdgeFixture f = new EdgeFixture(c -> c.withCache(CacheConfig.ofSize(MEMORY_BYTES, 10_000)
                    .withDisk(never)))) {
                assertThat(f.edge.store().diskReadsOnIoThread()).as("never, even on tmpfs").isFalse();
            }
        } finally {
            try (var files = java.nio.file.Files.walk(onTmpfs)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aMemoryHitSaysNothingAboutDisk() throws Exception {
        try (EdgeFixture f = edgeWithDisk()) {
            serveBodies(f, 100);
            f.fetch("/a");
            Answer hit = f.fetch("/a");
            assertThat(hit.header("Cache-Status")).startsWith("Outpost; hit").doesNotContain("detail=disk");
        }
    }

    @Test
    void aLargeDiskHitIsStreamedByteForByte() throws Exception {
        try (EdgeFixture f = edgeWithDisk()) {
            // three 1.5 MB objects in a 4 MB memory tier: one of them is only on disk now
            String evicted = fillThenEvict(f, 3, 1_500_000);
            Answer fromDisk = f.fetch(evicted);
            assertThat(fromDisk.header("Cache-Status")).contains("detail=disk");
            assertThat(fromDisk.body()).isEqualTo(bodyOf(evicted, 1_500_000));
            assertThat(f.origin.getRequestCount()).isEqualTo(3);
        }
    }

    @Test
    void aPurgeOfAUrlRemovesItFromBothTiers() throws Exception {
        try (EdgeFixture f = edgeWithDisk()) {
            serveBodies(f, 100);
            f.fetch("/a");
            DiskTier disk = disk(f);
            assertThat(disk.entries()).isEqualTo(1);

            assertThat(purge(f, "{\"urls\":[\"http://" + EdgeFixture.HOST + "/a\"]}").code()).isEqualTo(200);
            assertThat(f.edge.store().find(EdgeFixture.key("/a"), Fields.empty())).isNull();
            assertThat(f.edge.store().findOnDisk(EdgeFixture.key("/a"), Fields.empty())).isNull();
            assertThat(disk.entries()).isZero();
            Answer after = f.fetch("/a");
            assertThat(after.header("Cache-Status")).contains("fwd=miss");
            assertThat(f.origin.getRequestCount()).isEqualTo(2);
        }
    }

    @Test
    void aSoftTagPurgeMarksTheDiskCopyStaleToo() throws Exception {
        try (EdgeFixture f = edgeWithDisk()) {
            serveBodies(f, 100);
            f.fetch("/a");
            disk(f);

            assertThat(purge(f, "{\"tags\":[\"all\"],\"soft\":true}").code()).isEqualTo(200);
            CachedObject onDisk = f.edge.store().findOnDisk(EdgeFixture.key("/a"), Fields.empty());
            assertThat(onDisk.invalidated()).isTrue();
            Answer after = f.fetch("/a");
            assertThat(after.header("Cache-Status")).as("asked the origin, not served as it was")
                    .doesNotContain("hit");
            assertThat(f.origin.getRequestCount()).isEqualTo(2);
        }
    }

    @Test
    void aPurgeOfEverythingEmptiesTheDisk() throws Exception {
        try (EdgeFixture f = edgeWithDisk()) {
            serveBodies(f, 100);
            for (int i = 0; i < 5; i++) {
                f.fetch("/o" + i);
            }
            DiskTier disk = disk(f);
            assertThat(disk.entries()).isEqualTo(5);

            assertThat(purge(f, "{\"all\":true}").code()).isEqualTo(200);
            assertThat(disk.entries()).isZero();
            assertThat(disk.bytes()).isZero();
        }
    }

    @Test
    void anEdgeRestartedOnTheSameDiskServesItsObjectsFromDisk() throws Exception {
        try (EdgeFixture f = edgeWithDisk()) {
            serveBodies(f, 10_000);
            f.fetch("/a");
            disk(f);
            f.edge.close();

            // No control plane: nothing could have been purged while it was down, so the disk is trusted at once.
            try (EdgeNode restarted = EdgeNode.start(f.edge.config(), f.clock)) {
                assertThat(restarted.store().disk().orElseThrow().restored()).isEqualTo(1);
                Request request = new Request.Builder().url(restarted.baseUri() + "/a")
                        .header("Host", EdgeFixture.HOST).build();
                try (Response r = f.client.newCall(request).execute()) {
                    assertThat(r.body().string()).isEqualTo(bodyOf("/a", 10_000));
                    assertThat(r.header("Cache-Status")).startsWith("Outpost; hit").contains("detail=disk");
                }
                assertThat(f.origin.getRequestCount()).isEqualTo(1);
            }
        }
    }

    /** Serves {@code /cold} as version 1, 2, ... (one per origin request), any other path as {@link #serveBodies}. */
    private static AtomicInteger serveVersionedCold(EdgeFixture f) {
        AtomicInteger coldFetches = new AtomicInteger();
        f.origin.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getUrl().encodedPath();
                String body = path.equals("/cold") ? bodyOf("/cold v" + coldFetches.incrementAndGet(), 4_000)
                        : bodyOf(path, 4_000);
                return new MockResponse.Builder().body(body).setHeader("Cache-Control", "max-age=600")
                        .setHeader("Date", HttpDates.format(f.clock.instant())).build();
            }
        });
        return coldFetches;
    }

    /** Fills the 40 kB memory tier with objects asked for three times each, so a new one is turned away. */
    private static void fillMemoryWithHotObjects(EdgeFixture f) throws IOException {
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 12; i++) {
                assertThat(f.fetch("/hot" + i).code()).isEqualTo(200);
            }
        }
        disk(f);
    }

    /** Keeps the edge's disk writer busy (on a write whose guard waits) until the returned latch opens. */
    private static CountDownLatch holdDiskWriter(EdgeFixture f) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        CachedObject any = f.edge.store().objects().get(0);
        f.edge.store().disk().orElseThrow().offer(any, f.edge.store().fetchTicket(), (object, ticket, publish) -> {
            held.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        });
        assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
        return release;
    }

    @Test
    void anObjectTheMemoryTierTurnedAwayIsAHitWhileItsDiskWriteIsQueued() throws Exception {
        try (EdgeFixture f = smallMemoryEdge()) {
            AtomicInteger coldFetches = serveVersionedCold(f);
            fillMemoryWithHotObjects(f);
            CacheStore store = f.edge.store();
            CountDownLatch release = holdDiskWriter(f);
            try {
                long refusedBefore = store.refusedByAdmission();
                assertThat(f.fetch("/cold").header("Cache-Status")).contains("fwd=miss");
                assertThat(store.refusedByAdmission()).as("memory turned it away").isGreaterThan(refusedBefore);
                assertThat(store.find(EdgeFixture.key("/cold"), Fields.empty())).isNull();

                Answer second = f.fetch("/cold");
                assertThat(second.header("Cache-Status")).startsWith("Outpost; hit").contains("detail=disk");
                assertThat(second.body()).isEqualTo(bodyOf("/cold v1", 4_000));
                assertThat(coldFetches).as("one origin fetch").hasValue(1);
                assertThat(store.disk().orElseThrow().queuedHits()).isEqualTo(1);
                String metrics = f.fetch("/_edge/metrics").body();
                assertThat(metrics).as("told apart from file reads, and still counted as disk hits")
                        .containsPattern("(?m)^edge_disk_queued_hits_total 1\\.0$")
                        .contains("edge_disk_hits_total " + (double) store.disk().orElseThrow().hits());
            } finally {
                release.countDown();
            }
        }
    }

    @Test
    void aPurgeWhileTheDiskWriteIsQueuedMakesTheNextRequestAMissAndTheOldBodyIsNeverServed() throws Exception {
        try (EdgeFixture f = smallMemoryEdge()) {
            AtomicInteger coldFetches = serveVersionedCold(f);
            fillMemoryWithHotObjects(f);
            CountDownLatch release = holdDiskWriter(f);
            try {
                assertThat(f.fetch("/cold").body()).isEqualTo(bodyOf("/cold v1", 4_000));
                assertThat(purge(f, "{\"urls\":[\"http://" + EdgeFixture.HOST + "/cold\"]}").code()).isEqualTo(200);

                Answer afterPurge = f.fetch("/cold");
                assertThat(afterPurge.header("Cache-Status")).contains("fwd=miss");
                assertThat(afterPurge.body()).isEqualTo(bodyOf("/cold v2", 4_000));
            } finally {
                release.countDown();
            }
            disk(f);
            for (int i = 0; i < 3; i++) {
                assertThat(f.fetch("/cold").body()).as("v1 was never published").isEqualTo(bodyOf("/cold v2", 4_000));
            }
            assertThat(coldFetches).hasValue(2);
        }
    }
}
