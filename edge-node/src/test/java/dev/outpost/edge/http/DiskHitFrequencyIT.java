package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.DiskConfig;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
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

/**
 * A client request is counted once in the memory tier's frequency sketch, whether its disk lookup is handed off to a
 * worker thread or done on the IO thread. Observed through the memory tier's size-aware admission: a disk object is
 * promoted to memory once it was asked for more often than the entry that would leave for it, so a request counted
 * twice would promote it after half the requests.
 */
class DiskHitFrequencyIT {
    private static final long MEMORY_BYTES = 40_000;
    private static final int BODY_BYTES = 4_000;
    /** How often each object in memory was asked for (by the test, through the store) before the cold one comes. */
    private static final int HOT_REQUESTS = 6;

    @TempDir
    Path dir;

    @Test
    void aDiskLookupHandedToAWorkerCountsTheRequestOnce() throws Exception {
        assertPromotedAfterOneRequestMoreThanTheVictim("never", false);
    }

    @Test
    void aDiskLookupOnTheIoThreadCountsTheRequestOnce() throws Exception {
        assertPromotedAfterOneRequestMoreThanTheVictim("always", true);
    }

    private void assertPromotedAfterOneRequestMoreThanTheVictim(String readOnIoThread, boolean onIoThread)
            throws Exception {
        DiskConfig disk = new DiskConfig(dir.resolve("disk").toString(), 10_000_000L, null, false, null,
                readOnIoThread);
        try (EdgeFixture f = new EdgeFixture(c -> c.withCache(CacheConfig.ofSize(MEMORY_BYTES, 10_000)
                .withDisk(disk)))) {
            CacheStore store = f.edge.store();
            assertThat(store.diskReadsOnIoThread()).isEqualTo(onIoThread);
            serveSameSizedBodies(f);
            // Memory filled by a prefetch (no client request counted), then every object in it asked for alike.
            List<String> hot = IntStream.range(0, 12).mapToObj(i -> String.format("/hot%02d", i)).toList();
            assertThat(prefetch(f, hot)).isEqualTo(200);
            store.disk().orElseThrow().drain();
            List<String> inMemory = store.keys();
            assertThat(inMemory).as("memory full before all of them").hasSizeBetween(2, hot.size() - 1);
            for (String key : inMemory) {
                for (int i = 0; i < HOT_REQUESTS; i++) {
                    store.find(key, Fields.empty());
                }
            }
            String cold = "/cold1"; // the same length as the hot paths: the same weight, one victim makes room
            String coldKey = EdgeFixture.key(cold);

            long refusedBefore = store.refusedByAdmission();
            assertThat(f.fetch(cold).header("Cache-Status")).contains("fwd=miss");
            assertThat(store.refusedByAdmission()).as("asked for once: memory turned it away")
                    .isEqualTo(refusedBefore + 1);
            store.disk().orElseThrow().drain(); // a file now: the second file hit on is offered to memory
            // request 2: the first promotion attempt, and whatever the disk-hit path allocates once
            assertThat(f.fetch(cold).header("Cache-Status")).as("request 2").contains("detail=disk");
            assertThat(store.keys()).as("asked for twice: on disk only").doesNotContain(coldKey);
            long directBuffersBefore = directBuffers();
            for (int request = 3; request <= HOT_REQUESTS; request++) {
                Answer a = f.fetch(cold);
                assertThat(a.header("Cache-Status")).as("request %d", request).contains("detail=disk");
                assertThat(store.keys()).as("asked for %d times, no more often than what would leave for it: on disk only"
                        + " (a request counted twice would have been promoted at request %d)", request,
                        HOT_REQUESTS / 2 + 1).doesNotContain(coldKey);
            }
            assertThat(store.refusedByAdmission() - refusedBefore)
                    .as("refused at the miss and at each promotion from the second file hit on")
                    .isEqualTo(1 + HOT_REQUESTS - 2);
            assertThat(directBuffers() - directBuffersBefore).as("a refused promotion copies nothing into direct"
                    + " memory (which only a GC gives back): admission is asked before the copy")
                    .isLessThan(HOT_REQUESTS - 2);

            assertThat(f.fetch(cold).header("Cache-Status")).contains("detail=disk");
            assertThat(store.keys()).as("asked for once more than the victim: promoted").contains(coldKey);
            assertThat(f.fetch(cold).header("Cache-Status")).as("now a memory hit").doesNotContain("detail=disk");
        }
    }

    /** Direct buffers the JVM holds now (live or not yet collected). */
    private static long directBuffers() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getCount).sum();
    }

    /** Every path answered with a body of {@link #BODY_BYTES} and the same headers, cacheable for 10 minutes. */
    private static void serveSameSizedBodies(EdgeFixture f) {
        f.origin.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getUrl().encodedPath();
                return new MockResponse.Builder().body(path.repeat(BODY_BYTES / path.length() + 1)
                        .substring(0, BODY_BYTES)).setHeader("Cache-Control", "max-age=600")
                        .setHeader("Date", HttpDates.format(f.clock.instant())).build();
            }
        });
    }

    private static int prefetch(EdgeFixture f, List<String> paths) throws IOException {
        String urls = paths.stream().map(p -> "\"http://" + EdgeFixture.HOST + p + "\"")
                .collect(Collectors.joining(","));
        Request request = new Request.Builder().url(f.admin() + "/_edge/prefetch")
                .header("Authorization", "Bearer " + EdgeFixture.ADMIN_TOKEN)
                .post(RequestBody.create("{\"urls\":[" + urls + "]}", MediaType.get("application/json"))).build();
        try (Response r = f.client.newCall(request).execute()) {
            return r.code();
        }
    }
}
