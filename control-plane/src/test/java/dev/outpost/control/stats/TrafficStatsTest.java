package dev.outpost.control.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.TrafficBatch;
import dev.outpost.common.wire.TrafficBatch.TrafficCount;
import dev.outpost.control.StatsSettings;
import dev.outpost.testkit.ManualClock;
import java.nio.file.Path;
import dev.outpost.control.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.outpost.control.store.StoreEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** Traffic batches counted once per minute, written behind to the store (on both engines), kept for the retention. */
@ParameterizedClass
@EnumSource(StoreEngine.class)
class TrafficStatsTest {
    @Parameter
    StoreEngine engine;

    private static final Instant T0 = Instant.parse("2026-01-01T12:00:00Z");
    private static final long M0 = T0.toEpochMilli();

    private final ManualClock clock = new ManualClock(T0.plusSeconds(30));
    @TempDir
    Path dir;
    private TrafficStats stats;

    @BeforeEach
    void open() {
        stats = TrafficStats.open(engine.settings(dir), dir, clock, new StatsSettings(Duration.ofMinutes(10), Duration.ofHours(2)));
    }

    @AfterEach
    void close() throws Exception {
        stats.close();
    }

    private static TrafficBatch batch(String epoch, long number, TrafficCount... counts) {
        return new TrafficBatch(epoch, number, List.of(counts));
    }

    private static TrafficCount www(long minute, long requests, long hits, long bytes) {
        return new TrafficCount(minute, "www", "2xx", requests, hits, bytes);
    }

    private List<TrafficStats.Point> lastTwoMinutes(Optional<String> service) {
        return stats.series(service, T0.minusSeconds(60), T0.plusSeconds(60));
    }

    @Test
    void aBatchSentAgainAfterALostReplyIsCountedOnce() {
        TrafficBatch first = batch("edge-a", 1, www(M0, 10, 8, 1000));
        assertThat(stats.accept("eu-1", first)).isEqualTo(TrafficStats.Result.COUNTED);
        assertThat(stats.accept("eu-1", first)).isEqualTo(TrafficStats.Result.DUPLICATE);
        assertThat(stats.accept("eu-1", batch("edge-a", 2, www(M0, 5, 5, 10)))).isEqualTo(TrafficStats.Result.COUNTED);

        TrafficStats.Point minute = lastTwoMinutes(Optional.empty()).get(1);
        assertThat(minute.requests()).isEqualTo(15);
        assertThat(minute.hits()).isEqualTo(13);
        assertThat(minute.bytes()).isEqualTo(1010);
        assertThat(stats.batchesDuplicate()).isEqualTo(1);
    }

    @Test
    void aRestartedEdgeStartsANewEpochWhoseFirstBatchCounts() {
        stats.accept("eu-1", batch("edge-a", 7, www(M0, 1, 1, 1)));
        assertThat(stats.accept("eu-1", batch("edge-b", 1, www(M0, 2, 0, 1)))).isEqualTo(TrafficStats.Result.COUNTED);
        assertThat(stats.accept("eu-2", batch("edge-b", 1, www(M0, 4, 0, 1)))).as("another node")
                .isEqualTo(TrafficStats.Result.COUNTED);
        assertThat(lastTwoMinutes(Optional.empty()).get(1).requests()).isEqualTo(7);
    }

    @Test
    void seriesIsEveryMinuteOfTheRangeByServiceWithRequestsPerStatusClass() {
        stats.accept("eu-1", batch("edge-a", 1, www(M0, 10, 8, 100),
                new TrafficCount(M0, "www", "5xx", 2, 0, 20), new TrafficCount(M0, "img", "2xx", 3, 3, 30)));

        List<TrafficStats.Point> all = lastTwoMinutes(Optional.empty());
        assertThat(all).extracting(TrafficStats.Point::minute).containsExactly(T0.minusSeconds(60), T0);
        assertThat(all.get(0).requests()).as("a minute without traffic").isZero();
        assertThat(all.get(1).requests()).isEqualTo(15);
        assertThat(all.get(1).statusClasses()).isEqualTo(Map.of("2xx", 13L, "5xx", 2L));
        TrafficStats.Point www = lastTwoMinutes(Optional.of("www")).get(1);
        assertThat(www.requests()).isEqualTo(12);
        assertThat(www.hits()).isEqualTo(8);
    }

    @Test
    void writtenMinutesAndBatchMarksSurviveAReopenSoAResentBatchIsStillCountedOnce() throws Exception {
        TrafficBatch first = batch("edge-a", 1, www(M0, 10, 8, 1000));
        stats.accept("eu-1", first);
        assertThat(stats.write()).isEqualTo(1);
        stats.accept("eu-1", batch("edge-a", 2, www(M0, 1, 1, 1))); // in memory only, written by close()
        stats.close();

        stats = TrafficStats.open(engine.settings(dir), dir, clock, new StatsSettings(Duration.ofMinutes(10), Duration.ofHours(2)));
        assertThat(stats.accept("eu-1", first)).isEqualTo(TrafficStats.Result.DUPLICATE);
        assertThat(stats.accept("eu-1", batch("edge-a", 2, www(M0, 1, 1, 1))))
                .isEqualTo(TrafficStats.Result.DUPLICATE);
        assertThat(lastTwoMinutes(Optional.empty()).get(1).requests()).isEqualTo(11);
    }

    @Test
    void writesAddToStoredMinutesAndQueriesSeeWhatIsNotWrittenYet() {
        stats.accept("eu-1", batch("edge-a", 1, www(M0, 10, 8, 1000)));
        stats.write();
        stats.accept("eu-2", batch("edge-c", 1, www(M0, 5, 1, 50)));
        assertThat(lastTwoMinutes(Optional.empty()).get(1).requests()).as("stored + pending").isEqualTo(15);
        stats.write();
        assertThat(lastTwoMinutes(Optional.empty()).get(1).requests()).as("both stored").isEqualTo(15);
    }

    @Test
    void minutesPastTheRetentionOrFarAheadAreDroppedAndOldStoredMinutesDeleted() {
        stats.accept("eu-1", batch("edge-a", 1, www(M0, 10, 8, 1000),
                www(M0 - Duration.ofHours(3).toMillis(), 1, 1, 1), www(M0 + Duration.ofHours(1).toMillis(), 1, 1, 1)));
        assertThat(stats.rowsDropped()).isEqualTo(2);
        stats.write();

        clock.advance(Duration.ofHours(3));
        stats.write();
        assertThat(lastTwoMinutes(Optional.empty()).get(1).requests()).as("deleted past the retention").isZero();
    }

    @Test
    void startedStatsWriteBehindEveryFlushInterval() throws Exception {
        stats.close();
        stats = TrafficStats.open(engine.settings(dir), dir, clock, new StatsSettings(Duration.ofSeconds(1), Duration.ofHours(2))).start();
        stats.accept("eu-1", batch("edge-a", 1, www(M0, 10, 8, 1000)));

        try (TrafficStore reader = new TrafficStore(Store.open(engine.settings(dir), dir), true)) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> !reader.read(Optional.empty(), M0, M0 + 60_000).isEmpty());
            assertThat(reader.read(Optional.empty(), M0, M0 + 60_000)).singleElement()
                    .extracting(TrafficStore.Row::requests).isEqualTo(10L);
            assertThat(reader.batches()).containsEntry("eu-1", new TrafficStats.Counted("edge-a", 1));
        }
    }
}
