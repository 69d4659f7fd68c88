package dev.outpost.control.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.control.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InvalidationLogTest {
    private final MutableClock clock = MutableClock.startingAt("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private static NewEntry purge(String url, String... regions) {
        return NewEntry.purgeUrls(List.of(url)).inRegions(List.of(regions));
    }

    @Test
    void appendGivesIncreasingSequencesAndKeepsEveryField() {
        try (InvalidationLog log = InvalidationLog.open(dir, clock)) {
            NewEntry full = new NewEntry(Kind.PURGE, List.of("http://a.example/x"), List.of("http://a.example/img/"),
                    List.of("product-42"), List.of("b.example"), true, true, List.of("eu", "us"));
            LoggedEntry first = log.append(full, List.of("eu-1"), "ops");
            LoggedEntry second = log.append(purge("http://a.example/y"), List.of(), "ops");

            assertThat(first.sequence()).isEqualTo(1);
            assertThat(second.sequence()).isEqualTo(2);
            assertThat(first.id()).isEqualTo("p-1");
            assertThat(log.entry(1)).contains(first);
            assertThat(log.entry(1).orElseThrow().entry()).isEqualTo(full.withSequence(1));
            assertThat(log.entry(1).orElseThrow().acceptedAt()).isEqualTo(clock.instant());
            assertThat(log.entry(3)).isEmpty();
            assertThat(log.lastSequence()).isEqualTo(2);
        }
    }

    @Test
    void appendedPurgeIsDurableAcrossRestartWithSequenceHistoryAndPendingAcks() {
        try (InvalidationLog log = InvalidationLog.open(dir, clock)) {
            log.append(purge("http://a.example/1"), List.of("eu-1", "us-1"), "ops");
            log.append(purge("http://a.example/2", "eu"), List.of("eu-1"), "ops");
            log.markApplied(1, "us-1");
        }
        assertThat(dir.resolve("invalidations.db")).exists();

        try (InvalidationLog reopened = InvalidationLog.open(dir, clock)) {
            assertThat(reopened.lastSequence()).isEqualTo(2);
            assertThat(reopened.recent(Kind.PURGE, 10)).extracting(LoggedEntry::sequence).containsExactly(2L, 1L);
            assertThat(reopened.deliveries(1)).extracting(Delivery::node, Delivery::state).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("eu-1", Delivery.State.PENDING),
                    org.assertj.core.groups.Tuple.tuple("us-1", Delivery.State.APPLIED));
            assertThat(reopened.status(1)).isEqualTo(EntryStatus.PENDING);
            assertThat(reopened.dueSequence("eu")).isEqualTo(2);
            assertThat(reopened.dueSequence("us")).isEqualTo(1);
            // the sequence continues where it stopped
            assertThat(reopened.append(purge("http://a.example/3"), List.of(), "ops").sequence()).isEqualTo(3);
        }
    }

    @Test
    void sequenceIsNeverReusedEvenWhenTheNewestEntryIsLost() throws Exception {
        try (InvalidationLog log = InvalidationLog.open(dir, clock)) {
            log.append(purge("http://a.example/1"), List.of(), "ops");
        }
        try (InvalidationLog reopened = InvalidationLog.open(dir, clock)) {
            assertThat(reopened.append(purge("http://a.example/2"), List.of(), "ops").sequence()).isEqualTo(2);
        }
        assertThat(Files.size(dir.resolve("invalidations.db"))).isPositive();
    }

    @Test
    void entriesAfterReturnsOnlyTheRegionsEntriesInOrder() {
        try (InvalidationLog log = InvalidationLog.open(dir, clock)) {
            log.append(purge("http://a.example/1"), List.of(), "ops");
            log.append(purge("http://a.example/2", "us"), List.of(), "ops");
            log.append(purge("http://a.example/3", "eu"), List.of(), "ops");
            log.append(NewEntry.push(List.of("http://a.example/4"), List.of()), List.of(), "ops");
            log.append(purge("http://a.example/5", "eu", "ap"), List.of(), "ops");

            assertThat(log.entriesAfter(0, "eu", 100)).extracting(InvalidationEntry::sequence)
                    .containsExactly(1L, 3L, 4L, 5L);
            assertThat(log.entriesAfter(3, "eu", 100)).extracting(InvalidationEntry::sequence)
                    .containsExactly(4L, 5L);
            assertThat(log.entriesAfter(0, "eu", 2)).extracting(InvalidationEntry::sequence)
                    .containsExactly(1L, 3L);
            assertThat(log.entriesAfter(0, "us", 100)).extracting(InvalidationEntry::sequence)
                    .containsExactly(1L, 2L, 4L);
            // a push is not something an edge must have applied before it serves
            assertThat(log.dueSequence("us")).isEqualTo(2);
            assertThat(log.dueSequence("eu")).isEqualTo(5);
            assertThat(log.dueSequence("sa")).isEqualTo(1);
        }
    }

    @Test
    void statusIsPendingThenPartialWhenAnEdgeFallsBehindThenCompleteOnceEveryEdgeApplied() {
        try (InvalidationLog log = InvalidationLog.open(dir, clock)) {
            long seq = log.append(purge("http://a.example/1"), List.of("eu-1", "eu-2"), "ops").sequence();
            assertThat(log.status(seq)).isEqualTo(EntryStatus.PENDING);

            clock.advance(Duration.ofMillis(40));
            log.markApplied(seq, "eu-1");
            log.markBehind(seq, "eu-2", "connection refused");
            assertThat(log.status(seq)).isEqualTo(EntryStatus.PARTIAL);
            assertThat(log.deliveries(seq).get(0).appliedAt()).contains(Instant.parse("2026-01-01T00:00:00.040Z"));
            assertThat(log.deliveries(seq).get(1).detail()).contains("connection refused");

            assertThat(log.markAppliedUpTo("eu-2", seq)).isEqualTo(1);
            assertThat(log.status(seq)).isEqualTo(EntryStatus.COMPLETE);
        }
    }

    @Test
    void pendingDeliveriesCanBeMarkedBehindAfterARestart() {
        try (InvalidationLog log = InvalidationLog.open(dir, clock)) {
            long seq = log.append(purge("http://a.example/1"), List.of("eu-1", "eu-2"), "ops").sequence();
            log.markApplied(seq, "eu-1");
            assertThat(log.markPendingBehind("restarted")).isEqualTo(1);
            assertThat(log.deliveries(seq)).extracting(Delivery::state)
                    .containsExactly(Delivery.State.APPLIED, Delivery.State.BEHIND);
            assertThat(log.status(seq)).isEqualTo(EntryStatus.PARTIAL);
        }
    }

    @Test
    void entryWithNoEdgeInScopeIsCompleteAtOnce() {
        try (InvalidationLog log = InvalidationLog.open(dir, clock)) {
            long seq = log.append(purge("http://a.example/1"), List.of(), "ops").sequence();
            assertThat(log.status(seq)).isEqualTo(EntryStatus.COMPLETE);
        }
    }

    @Test
    void awaitCompleteReturnsWhenTheLastEdgeAppliesAndTimesOutOtherwise() throws Exception {
        try (InvalidationLog log = InvalidationLog.open(dir, clock)) {
            long seq = log.append(purge("http://a.example/1"), List.of("eu-1"), "ops").sequence();
            assertThat(log.awaitComplete(seq, Duration.ofMillis(50))).isEqualTo(EntryStatus.PENDING);

            Thread applier = Thread.ofVirtual().start(() -> log.markApplied(seq, "eu-1"));
            assertThat(log.awaitComplete(seq, Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
            applier.join(10_000);
        }
    }
}
