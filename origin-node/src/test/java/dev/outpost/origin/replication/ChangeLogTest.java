package dev.outpost.origin.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.wire.ChangeNotice.Event;
import dev.outpost.origin.assets.AssetInfo;
import dev.outpost.origin.assets.ChangeJournal.Recorded;
import dev.outpost.origin.content.AssetPath;
import dev.outpost.origin.content.MasterFile;
import dev.outpost.origin.content.MasterStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChangeLogTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-10T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void anEntryIsVisibleOnlyOnceItAndEveryEarlierOneIsReleased() throws IOException {
        try (ChangeLog log = ChangeLog.open(dir, 1000, CLOCK)) {
            Recorded first = written(log, "/a.css", "one");
            Recorded second = written(log, "/b.css", "two");
            assertThat(log.after(0, 10)).isEmpty();

            log.release(second);
            assertThat(log.after(0, 10)).as("the second change is made, the first is still being written").isEmpty();
            assertThat(log.position().head()).isZero();

            log.release(first);
            assertThat(log.after(0, 10)).extracting(ChangeEntry::sequence).containsExactly(1L, 2L);
            assertThat(log.after(1, 10)).extracting(ChangeEntry::path).containsExactly("/b.css");
            assertThat(log.position().head()).isEqualTo(2);
        }
    }

    @Test
    void everythingStoredIsVisibleAfterAReopenAndSequencesGoOn() throws IOException {
        String id;
        try (ChangeLog log = ChangeLog.open(dir, 1000, CLOCK)) {
            log.release(written(log, "/a.css", "one"));
            written(log, "/b.css", "two"); // the origin dies before the rename
            id = log.position().log();
        }
        try (ChangeLog log = ChangeLog.open(dir, 1000, CLOCK)) {
            assertThat(log.position().log()).isEqualTo(id);
            assertThat(log.after(0, 10)).extracting(ChangeEntry::path).containsExactly("/a.css", "/b.css");
            ChangeEntry changed = log.after(0, 1).getFirst();
            assertThat(changed.event()).isEqualTo(Event.CHANGED);
            assertThat(changed.digest()).contains(asset("/a.css", "one").digest());
            assertThat(changed.size()).isEqualTo(3);
            Recorded deleted = log.record(Event.DELETED, path("/a.css"), Optional.empty());
            assertThat(deleted.sequence()).isEqualTo(3);
            log.release(deleted);
            assertThat(log.after(2, 10).getFirst().digest()).isEmpty();
        }
    }

    @Test
    void historyIsBoundedAndAFollowerOlderThanItMustResync() throws IOException {
        try (ChangeLog log = ChangeLog.open(dir, 20, CLOCK)) {
            String id = log.position().log();
            for (int i = 0; i < 60; i++) {
                log.release(written(log, "/f" + i, "v" + i));
            }
            ChangeLog.Position position = log.position();
            assertThat(position.head()).isEqualTo(60);
            assertThat(position.oldest()).isBetween(39L, 41L);
            assertThat(log.after(0, 100).getFirst().sequence()).isEqualTo(position.oldest());
            assertThat(log.check(id, 1, position.oldest() - 1)).isInstanceOf(ChangeLog.Verdict.Continue.class);
            assertThat(log.check(id, 1, 5)).isInstanceOfSatisfying(ChangeLog.Verdict.Resync.class,
                    r -> assertThat(r.reason()).contains("historyEntries"));
        }
    }

    @Test
    void aFollowerOfAnotherLogOrAheadOfThisOneMustResync() throws IOException {
        try (ChangeLog log = ChangeLog.open(dir, 1000, CLOCK)) {
            log.release(written(log, "/a", "1"));
            assertThat(log.check("someone-else", 1, 1)).isInstanceOf(ChangeLog.Verdict.Resync.class);
            assertThat(log.check(log.position().log(), 1, 2)).isInstanceOf(ChangeLog.Verdict.Resync.class);
            assertThat(log.check(log.position().log(), 1, 1)).isInstanceOf(ChangeLog.Verdict.Continue.class);
            assertThat(log.check(log.position().log(), 1, 0)).isInstanceOf(ChangeLog.Verdict.Continue.class);
        }
    }

    @Test
    void afterAPromotionOnlyFollowersWithNothingPastTheEpochBoundaryContinue() throws IOException {
        try (ChangeLog log = ChangeLog.open(dir, 1000, CLOCK)) {
            String id = log.position().log();
            for (int i = 0; i < 10; i++) {
                log.release(written(log, "/f" + i, "v" + i));
            }
            ChangeLog.Position promoted = log.promote();
            assertThat(promoted.epoch()).isEqualTo(2);
            assertThat(promoted.epochs()).containsEntry(2L, 11L);
            Recorded next = written(log, "/new", "after promotion");
            log.release(next);
            assertThat(log.after(10, 10).getFirst().epoch()).isEqualTo(2);

            assertThat(log.check(id, 1, 10)).as("had everything the old primary wrote up to the promotion")
                    .isInstanceOf(ChangeLog.Verdict.Continue.class);
            assertThat(log.check(id, 1, 12)).as("the old primary wrote 11 and 12 after the promotion point")
                    .isInstanceOfSatisfying(ChangeLog.Verdict.Resync.class,
                            r -> assertThat(r.reason()).contains("epoch 2 began at 11"));
            assertThat(log.check(id, 2, 11)).isInstanceOf(ChangeLog.Verdict.Continue.class);
            assertThat(log.check(id, 3, 11)).as("a follower that has seen a newer promotion")
                    .isInstanceOf(ChangeLog.Verdict.StalePrimary.class);
            assertThatThrownBy(() -> log.append(entry(12, 1, "/late-copy-from-the-old-primary")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("epoch 2 began at 11");
        }
        try (ChangeLog reopened = ChangeLog.open(dir, 1000, CLOCK)) {
            assertThat(reopened.position().epoch()).as("a promotion is durable").isEqualTo(2);
        }
    }

    @Test
    void aReplicaAppendsThePrimarysEntriesInOrderAndLearnsTheirEpochs() throws IOException {
        try (ChangeLog log = ChangeLog.open(dir, 1000, CLOCK)) {
            ChangeEntry first = entry(1, 1, "/a");
            log.append(first);
            assertThatThrownBy(() -> log.append(entry(3, 1, "/c"))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("does not follow 1");
            log.append(entry(2, 2, "/b"));
            assertThat(log.position().epoch()).isEqualTo(2);
            assertThat(log.position().epochs()).containsEntry(2L, 2L);
            assertThat(log.after(0, 10)).containsExactly(first, entry(2, 2, "/b"));
        }
    }

    @Test
    void restartingAtAPrimarysHeadForgetsEverythingAndAdoptsItsLog() throws IOException {
        try (ChangeLog primary = ChangeLog.open(dir.resolve("primary"), 1000, CLOCK);
                ChangeLog replica = ChangeLog.open(dir.resolve("replica"), 1000, CLOCK)) {
            for (int i = 0; i < 5; i++) {
                primary.release(written(primary, "/p" + i, "v" + i));
            }
            primary.promote();
            replica.append(entry(1, 1, "/mine"));
            assertThat(replica.synced()).isFalse();

            replica.restartAt(primary.position(), primary.position().head());
            replica.markSynced();
            assertThat(replica.position()).isEqualTo(new ChangeLog.Position(primary.position().log(), 2, 5, 6,
                    primary.position().epochs()));
            assertThat(replica.after(0, 10)).isEmpty();
            assertThat(primary.check(replica.position().log(), replica.position().epoch(),
                    replica.position().head())).isInstanceOf(ChangeLog.Verdict.Continue.class);
            replica.append(entry(6, 2, "/next"));
            assertThat(replica.position().head()).isEqualTo(6);
        }
        try (ChangeLog replica = ChangeLog.open(dir.resolve("replica"), 1000, CLOCK)) {
            assertThat(replica.synced()).as("kept across restarts").isTrue();
            assertThat(replica.position().head()).isEqualTo(6);
        }
    }

    @Test
    void aWaiterRunsOnceWhenAChangeAfterItsPositionBecomesVisible() throws IOException {
        try (ChangeLog log = ChangeLog.open(dir, 1000, CLOCK)) {
            AtomicInteger woken = new AtomicInteger();
            Runnable cancel = log.whenVisibleAfter(0, woken::incrementAndGet);
            Recorded first = written(log, "/a", "1");
            assertThat(woken).hasValue(0);
            log.release(first);
            assertThat(woken).hasValue(1);
            log.release(written(log, "/b", "2"));
            assertThat(woken).as("once").hasValue(1);
            cancel.run();

            log.whenVisibleAfter(1, woken::incrementAndGet);
            assertThat(woken).as("already visible: at once").hasValue(2);
            AtomicInteger cancelled = new AtomicInteger();
            log.whenVisibleAfter(2, cancelled::incrementAndGet).run();
            log.release(written(log, "/c", "3"));
            assertThat(cancelled).hasValue(0);
        }
    }

    private static Recorded written(ChangeLog log, String path, String content) throws IOException {
        return log.record(Event.CHANGED, path(path), Optional.of(asset(path, content)));
    }

    private static AssetInfo asset(String path, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        return AssetInfo.of(new MasterFile(path(path), Path.of("unused"), bytes.length, CLOCK.instant(),
                MasterStore.sha256().digest(bytes)));
    }

    private static ChangeEntry entry(long sequence, long epoch, String path) {
        return new ChangeEntry(sequence, epoch, Event.CHANGED, path, Optional.of(asset(path, path).digest()), 4,
                CLOCK.instant());
    }

    private static AssetPath path(String path) {
        return new AssetPath(List.of(path.substring(1).split("/")));
    }
}
