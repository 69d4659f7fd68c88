package dev.outpost.control.assets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.control.invalidation.LoggedEntry;
import dev.outpost.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** One purge per write-through upload, whenever the origin's notice for it arrives. */
class RecentWritesTest {
    private final ManualClock clock = ManualClock.startingAt("2026-01-01T00:00:00Z");
    private final RecentWrites writes = new RecentWrites(clock, Duration.ofMinutes(10), 2);
    private final List<String> purges = new ArrayList<>();

    /** A purge the "dispatcher" makes, recorded so tests count them. */
    private Supplier<LoggedEntry> purge(String by) {
        return () -> {
            purges.add(by);
            return new LoggedEntry(new InvalidationEntry(purges.size(), InvalidationEntry.Kind.PURGE,
                    List.of("http://h/a.css"), null, null, null, false, false, null), clock.instant(), by);
        };
    }

    /** An upload of /a.css that the origin stored with ETag "e1", its notice arriving after the upload purged. */
    private LoggedEntry upload(String path, String etag) {
        try (RecentWrites.Write write = writes.begin("primary", path)) {
            return write.purge(etag, purge("upload"));
        }
    }

    @Test
    void theNoticeOfTheSameWriteArrivingAfterTheUploadPurgedIsAnsweredWithThatPurge() {
        LoggedEntry uploaded = upload("/a.css", "\"e1\"");
        assertThat(writes.notice("primary", ChangeNotice.changed("/a.css", "\"e1\""), purge("notice")))
                .isEqualTo(uploaded);
        assertThat(purges).containsExactly("upload");
        writes.notice("primary", ChangeNotice.changed("/a.css", "\"e1\""), purge("notice"));
        assertThat(purges).as("recognised once").containsExactly("upload", "notice");
    }

    @Test
    void theNoticeArrivingWhileTheUploadIsInFlightPurgesAndTheUploadTakesThatPurgeAsItsOwn() {
        LoggedEntry byUpload;
        LoggedEntry byNotice;
        try (RecentWrites.Write write = writes.begin("primary", "/a.css")) {
            // the origin stored the file and announced it before it answered the upload
            byNotice = writes.notice("primary", ChangeNotice.changed("/a.css", "\"e1\""), purge("notice"));
            byUpload = write.purge("\"e1\"", purge("upload"));
        }
        assertThat(byUpload).isEqualTo(byNotice);
        assertThat(purges).as("one purge, before the push that follows the upload").containsExactly("notice");
    }

    @Test
    void aNoticeOfAnotherChangeDuringTheUploadDoesNotStandInForTheUploadsPurge() {
        try (RecentWrites.Write write = writes.begin("primary", "/a.css")) {
            writes.notice("primary", ChangeNotice.changed("/a.css", "\"someone-else\""), purge("notice"));
            write.purge("\"e1\"", purge("upload"));
        }
        assertThat(purges).containsExactly("notice", "upload");
    }

    @Test
    void anyOtherNoticeForThePathForgetsTheWrite() {
        upload("/a.css", "\"e1\"");
        writes.notice("primary", ChangeNotice.deleted("/a.css"), purge("delete"));
        writes.notice("primary", ChangeNotice.changed("/a.css", "\"e1\""), purge("late"));
        upload("/a.css", "\"e1\"");
        writes.notice("other-origin", ChangeNotice.changed("/a.css", "\"e1\""), purge("other origin"));
        writes.notice("primary", ChangeNotice.changed("/a.css", "\"e2\""), purge("other etag"));
        assertThat(purges).containsExactly("upload", "delete", "late", "upload", "other origin", "other etag");
    }

    @Test
    void oldAndOverflowingWritesAreForgotten() {
        upload("/a.css", "\"e1\"");
        clock.advance(Duration.ofMinutes(11));
        writes.notice("primary", ChangeNotice.changed("/a.css", "\"e1\""), purge("too late"));

        upload("/1", "\"e\"");
        upload("/2", "\"e\"");
        upload("/3", "\"e\"");
        writes.notice("primary", ChangeNotice.changed("/1", "\"e\""), purge("forgotten"));
        writes.notice("primary", ChangeNotice.changed("/3", "\"e\""), purge("remembered"));
        assertThat(purges).containsExactly("upload", "too late", "upload", "upload", "upload", "forgotten");
    }
}
