package dev.outpost.control.assets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.control.MutableClock;
import dev.outpost.control.invalidation.LoggedEntry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentWritesTest {
    private final MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");
    private final RecentWrites writes = new RecentWrites(clock, Duration.ofMinutes(10), 2);
    private final LoggedEntry purge = new LoggedEntry(new InvalidationEntry(7, InvalidationEntry.Kind.PURGE,
            List.of("http://h/a.css"), null, null, null, false, false, null), clock.instant(), "ops");

    @Test
    void theNoticeOfTheSameWriteIsRecognisedOnce() {
        writes.wrote("primary", "/a.css", "\"e1\"", purge);
        assertThat(writes.alreadyPurged("primary", ChangeNotice.changed("/a.css", "\"e1\""))).contains(purge);
        assertThat(writes.alreadyPurged("primary", ChangeNotice.changed("/a.css", "\"e1\""))).isEmpty();
    }

    @Test
    void anyOtherNoticeForThePathForgetsTheWrite() {
        writes.wrote("primary", "/a.css", "\"e1\"", purge);
        assertThat(writes.alreadyPurged("primary", ChangeNotice.deleted("/a.css"))).isEmpty();
        assertThat(writes.alreadyPurged("primary", ChangeNotice.changed("/a.css", "\"e1\""))).isEmpty();
        writes.wrote("primary", "/a.css", "\"e1\"", purge);
        assertThat(writes.alreadyPurged("other-origin", ChangeNotice.changed("/a.css", "\"e1\""))).isEmpty();
        assertThat(writes.alreadyPurged("primary", ChangeNotice.changed("/a.css", "\"e2\""))).isEmpty();
    }

    @Test
    void oldAndOverflowingWritesAreForgotten() {
        writes.wrote("primary", "/a.css", "\"e1\"", purge);
        clock.advance(Duration.ofMinutes(11));
        assertThat(writes.alreadyPurged("primary", ChangeNotice.changed("/a.css", "\"e1\""))).isEmpty();

        writes.wrote("primary", "/1", "\"e\"", purge);
        writes.wrote("primary", "/2", "\"e\"", purge);
        writes.wrote("primary", "/3", "\"e\"", purge);
        assertThat(writes.alreadyPurged("primary", ChangeNotice.changed("/1", "\"e\""))).isEmpty();
        assertThat(writes.alreadyPurged("primary", ChangeNotice.changed("/3", "\"e\""))).contains(purge);
    }
}
