package dev.outpost.control.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.ErrorStatuses;
import dev.outpost.common.problem.Problem;
import dev.outpost.control.StoreSettings;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.NewEntry;
import dev.outpost.testkit.ManualClock;
import dev.outpost.testkit.SmallTmpfs;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane's SQLite store on a real 1 MiB tmpfs: once its disk is full, a purge is refused with 507
 * {@code store_full} naming the database (before, a 500 {@code internal_error}), nothing half-recorded, and what was
 * logged before stays readable.
 */
class StoreFullIT {
    @TempDir
    Path dir;
    private final ManualClock clock = ManualClock.startingAt("2026-01-01T00:00:00Z");

    private static NewEntry purgeOfManyUrls(int round) {
        return NewEntry.purgeUrls(IntStream.range(0, 100)
                .mapToObj(i -> "http://a.example/round-" + round + "/a-long-enough-path-to-fill-pages-" + i).toList());
    }

    @Test
    void aPurgeTheDatabaseHasNoRoomForIs507StoreFullAndEarlierEntriesStayReadable() {
        try (SmallTmpfs small = SmallTmpfs.mount(dir.resolve("small"), 1_048_576)) {
            StoreSettings settings = StoreSettings.sqlite(small.path().resolve(StoreSettings.DEFAULT_FILE));
            try (InvalidationLog log = InvalidationLog.open(settings, small.path(), clock)) {
                Problem refused = null;
                long appended = 0;
                for (int round = 0; round < 1_000 && refused == null; round++) {
                    try {
                        appended = log.append(purgeOfManyUrls(round), List.of("eu-1"), "ops").sequence();
                    } catch (Problem p) {
                        refused = p;
                    }
                }
                assertThat(refused).as("1 MiB fills up long before 1,000 purges of 100 URLs").isNotNull();
                assertThat(refused.kind()).isEqualTo(Problem.Kind.INSUFFICIENT_STORAGE);
                assertThat(ErrorStatuses.status(refused.kind())).isEqualTo(507);
                assertThat(refused.code()).isEqualTo("store_full");
                assertThat(refused.getMessage()).contains("nothing was recorded");
                assertThat(appended).isPositive();
                assertThat(log.lastSequence()).as("the refused purge took no number").isEqualTo(appended);
                assertThat(log.entry(appended)).as("the last purge recorded is still there").isPresent();
            }
        }
    }

    @Test
    void postgresqlsDiskFullIsRecognisedToo() {
        assertThat(Store.full(new SQLException("could not extend file", "53100"))).isTrue();
        assertThat(Store.full(new SQLException("duplicate key", "23505"))).isFalse();
    }
}
