package dev.outpost.control.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.control.LogSettings;
import dev.outpost.testkit.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import dev.outpost.control.store.StoreEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** The log on both engines of the store (SQLite, and a real PostgreSQL server). */
@ParameterizedClass
@EnumSource(StoreEngine.class)
class InvalidationLogTest {
    @Parameter
    StoreEngine engine;

    private final ManualClock clock = ManualClock.startingAt("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private InvalidationLog openLog() {
        return InvalidationLog.open(engine.settings(dir), dir, clock);
    }

    private InvalidationLog openLog(LogSettings settings) {
        return InvalidationLog.open(engine.settings(dir), dir, clock, settings);
    }

    private static NewEntry purge(String url, String... regions) {
        return NewEntry.purgeUrls(List.of(url)).inRegions(List.of(regions));
    }

    @Test
    void appendGivesIncreasingSequencesAndKeepsEveryField() {
        try (InvalidationLog log = openLog()) {
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
        try (InvalidationLog log = openLog()) {
            log.append(purge("http://a.example/1"), List.of("eu-1", "us-1"), "ops");
            log.append(purge("http://a.example/2", "eu"), List.of("eu-1"), "ops");
            log.markApplied(1, "us-1");
        }
        if (engine == StoreEngine.SQLITE) {
            assertThat(dir.resolve("outpost.db")).exists();
        }

        try (InvalidationLog reopened = openLog()) {
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
        try (InvalidationLog log = openLog()) {
            log.append(purge("http://a.example/1"), List.of(), "ops");
        }
        try (InvalidationLog reopened = openLog()) {
            assertThat(reopened.append(purge("http://a.example/2"), List.of(), "ops").sequence()).isEqualTo(2);
        }
        if (engine == StoreEngine.SQLITE) {
            assertThat(Files.size(dir.resolve("outpost.db"))).isPositive();
        }
    }

    @Test
    void entriesAfterReturnsOnlyTheRegionsEntriesInOrder() {
        try (InvalidationLog log = openLog()) {
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
        try (InvalidationLog log = openLog()) {
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
        try (InvalidationLog log = openLog()) {
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
        try (InvalidationLog log = openLog()) {
            long seq = log.append(purge("http://a.example/1"), List.of(), "ops").sequence();
            assertThat(log.status(seq)).isEqualTo(EntryStatus.COMPLETE);
        }
    }

    @Test
    void awaitCompleteReturnsWhenTheLastEdgeAppliesAndTimesOutOtherwise() throws Exception {
        try (InvalidationLog log = openLog()) {
            long seq = log.append(purge("http://a.example/1"), List.of("eu-1"), "ops").sequence();
            assertThat(log.awaitComplete(seq, Duration.ofMillis(50))).isEqualTo(EntryStatus.PENDING);

            Thread applier = Thread.ofVirtual().start(() -> log.markApplied(seq, "eu-1"));
            assertThat(log.awaitComplete(seq, Duration.ofSeconds(10))).isEqualTo(EntryStatus.COMPLETE);
            applier.join(10_000);
        }
    }

    private static LogSettings settings(long entryBytes, long pageBytes, long retentionMillis, long retentionEntries,
            long pushExpiryMillis) {
        // 0 = the default, as these tests were written
        return new LogSettings(entryBytes == 0 ? null : entryBytes, pageBytes == 0 ? null : pageBytes,
                pageBytes == 0 ? null : pageBytes, retentionMillis == 0 ? null : Duration.ofMillis(retentionMillis),
                retentionEntries == 0 ? null : retentionEntries,
                pushExpiryMillis == 0 ? null : Duration.ofMillis(pushExpiryMillis));
    }

    @Test
    void pushResultArrivingAfterAHeartbeatReportedTheEntryAppliedIsKept() {
        try (InvalidationLog log = openLog()) {
            long push = log.append(NewEntry.push(List.of("http://a.example/x"), List.of()), List.of("eu-1"), "ops")
                    .sequence();
            clock.advance(Duration.ofMillis(5));
            // the edge's heartbeat, sent after it applied the push, beats the live answer
            log.markAppliedUpTo("eu-1", push);
            clock.advance(Duration.ofMillis(5));
            log.markApplied(push, "eu-1", Optional.of("{\"stored\":1,\"failures\":[]}"));

            Delivery delivery = log.deliveries(push).get(0);
            assertThat(delivery.state()).isEqualTo(Delivery.State.APPLIED);
            assertThat(delivery.detail()).contains("{\"stored\":1,\"failures\":[]}");
            assertThat(delivery.appliedAt()).as("the first applied time stays")
                    .contains(Instant.parse("2026-01-01T00:00:00.005Z"));
            // and a later heartbeat does not erase it
            log.markAppliedUpTo("eu-1", push);
            assertThat(log.deliveries(push).get(0).detail()).isPresent();
        }
    }

    @Test
    void aHeartbeatLeavesTheEntryALiveCallIsDeliveringToThatCallsAnswer() {
        try (InvalidationLog log = openLog()) {
            long first = log.append(purge("http://a.example/1"), List.of("eu-1"), "ops").sequence();
            long push = log.append(NewEntry.push(List.of("http://nowhere.test/x"), List.of()), List.of("eu-1"), "ops")
                    .sequence();
            log.sendingLive(push, "eu-1");
            // the edge applied the push and its heartbeat says so before the live call's answer is back
            log.markAppliedUpTo("eu-1", push);
            assertThat(log.deliveries(first).get(0).state()).isEqualTo(Delivery.State.APPLIED);
            assertThat(log.deliveries(push).get(0).state()).isEqualTo(Delivery.State.PENDING);
            assertThat(log.status(push)).isNotEqualTo(EntryStatus.COMPLETE);

            log.markApplied(push, "eu-1", Optional.of("{\"unknownHosts\":[\"nowhere.test\"]}"));
            log.answeredLive("eu-1");
            assertThat(log.status(push)).isEqualTo(EntryStatus.COMPLETE);
            assertThat(log.deliveries(push).get(0).detail()).contains("{\"unknownHosts\":[\"nowhere.test\"]}");
        }
    }

    @Test
    void aLiveCallThatFailedLeavesItsEntryToTheNextHeartbeat() {
        try (InvalidationLog log = openLog()) {
            long push = log.append(NewEntry.push(List.of("http://a.example/x"), List.of()), List.of("eu-1"), "ops")
                    .sequence();
            log.sendingLive(push, "eu-1");
            log.markBehind(push, "eu-1", "push failed: timeout");
            log.answeredLive("eu-1");
            assertThat(log.markAppliedUpTo("eu-1", push)).isEqualTo(1);
            assertThat(log.deliveries(push).get(0).state()).isEqualTo(Delivery.State.APPLIED);
        }
    }

    @Test
    void aFailedPushStaysFailedWhenLaterHeartbeatsReportItsSequenceApplied() {
        try (InvalidationLog log = openLog()) {
            long push = log.append(NewEntry.push(List.of("http://a.example/x"), List.of()), List.of("eu-1"), "ops")
                    .sequence();
            log.markFailed(push, "eu-1", "origin answered 404");
            log.markAppliedUpTo("eu-1", push);
            assertThat(log.deliveries(push).get(0).state()).isEqualTo(Delivery.State.FAILED);
            assertThat(log.status(push)).isEqualTo(EntryStatus.FAILED);
        }
    }

    @Test
    void catchUpPagesAreCutAtTheirByteCapButAlwaysCarryOneEntry() {
        try (InvalidationLog log = openLog(settings(30_000, 30_000, 3_600_000, 1000,
                600_000))) {
            String big = "http://a.example/" + "x".repeat(12_000);
            for (int i = 0; i < 5; i++) {
                log.append(NewEntry.purgeUrls(List.of(big + i)), List.of(), "ops");
            }
            InvalidationLog.Page page = log.page(0, "eu", 200);
            assertThat(page.entries()).extracting(InvalidationEntry::sequence).containsExactly(1L, 2L);
            assertThat(page.more()).isTrue();
            assertThat(log.page(4, "eu", 200).entries()).extracting(InvalidationEntry::sequence).containsExactly(5L);
            assertThat(log.page(4, "eu", 200).more()).isFalse();
            assertThat(log.recent(Kind.PURGE, 500, java.util.OptionalLong.empty()).entries()).hasSize(2);
        }
    }

    @Test
    void compactionKeepsTheNewestEntriesAndTellsWhichEdgesAreBehindTheKeptLog() {
        try (InvalidationLog log = openLog(settings(0, 0, 3_600_000, 3, 0))) {
            for (int i = 1; i <= 6; i++) {
                log.append(purge("http://a.example/" + i, i % 2 == 0 ? "eu" : "us"), List.of("edge"), "ops");
            }
            log.append(purge("http://a.example/7", "us"), List.of(), "ops");
            assertThat(log.compact(Duration.ofHours(24))).isEqualTo(4);
            assertThat(log.entry(4)).isEmpty();
            assertThat(log.deliveries(4)).isEmpty();
            assertThat(log.entriesAfter(0, "eu", 100)).extracting(InvalidationEntry::sequence).containsExactly(6L);
            assertThat(log.behindKeptLog("eu", 3)).as("missed compacted entry 4").isTrue();
            assertThat(log.behindKeptLog("eu", 4)).isFalse();
            assertThat(log.behindKeptLog("us", 3)).isFalse();
            assertThat(log.dueSequence("eu")).isEqualTo(6);
        }
        try (InvalidationLog reopened = openLog(settings(0, 0, 3_600_000, 3, 0))) {
            assertThat(reopened.behindKeptLog("eu", 3)).as("remembered across a restart").isTrue();
            assertThat(reopened.lastSequence()).isEqualTo(7);
        }
    }

    @Test
    void compactionDeletesEntriesOlderThanTheRetentionAge() {
        try (InvalidationLog log = openLog(settings(0, 0, 60_000, 1000, 0))) {
            log.append(purge("http://a.example/old"), List.of(), "ops");
            clock.advance(Duration.ofMinutes(2));
            log.append(purge("http://a.example/new"), List.of(), "ops");
            assertThat(log.compact(Duration.ofHours(24))).isEqualTo(1);
            assertThat(log.recent(Kind.PURGE, 10)).extracting(LoggedEntry::sequence).containsExactly(2L);
            assertThat(log.compactedThrough()).isEqualTo(1);
        }
    }

    @Test
    void pushesPastTheirExpiryAreNotHandedOutAndExpireForEdgesThatNeverGotThem() {
        try (InvalidationLog log = openLog(settings(0, 0, 3_600_000, 1000, 60_000))) {
            long push = log.append(NewEntry.push(List.of("http://a.example/x"), List.of()), List.of("eu-1"), "ops")
                    .sequence();
            long purge = log.append(purge("http://a.example/y"), List.of("eu-1"), "ops").sequence();
            assertThat(log.entriesAfter(0, "eu", 10)).extracting(InvalidationEntry::sequence)
                    .containsExactly(push, purge);
            clock.advance(Duration.ofSeconds(61));
            assertThat(log.entriesAfter(0, "eu", 10)).extracting(InvalidationEntry::sequence).containsExactly(purge);
            assertThat(log.expirePushes()).isEqualTo(1);
            assertThat(log.deliveries(push).get(0).state()).isEqualTo(Delivery.State.EXPIRED);
            assertThat(log.status(push)).isEqualTo(EntryStatus.FAILED);
            assertThat(log.status(purge)).as("purges never expire").isEqualTo(EntryStatus.PENDING);
        }
    }

    @Test
    void anIdempotencyKeyUsedAgainForTheSameRequestAnswersTheFirstEntryAndForAnotherIsRefused() {
        try (InvalidationLog log = openLog()) {
            IdempotencyKey key = new IdempotencyKey("ops", "k-1", "fingerprint-a");
            InvalidationLog.Appended first = log.append(purge("http://a.example/1"), java.util.Map.of(), "ops",
                    Optional.of(key));
            InvalidationLog.Appended again = log.append(purge("http://a.example/1"), java.util.Map.of(), "ops",
                    Optional.of(key));
            assertThat(first.replayed()).isFalse();
            assertThat(again.replayed()).isTrue();
            assertThat(again.logged().sequence()).isEqualTo(first.logged().sequence());
            assertThat(log.lastSequence()).isEqualTo(1);
            assertThat(log.append(purge("http://a.example/1"), java.util.Map.of(), "other-token",
                    Optional.of(new IdempotencyKey("other-token", "k-1", "fingerprint-a"))).replayed())
                    .as("keys are per token").isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.append(purge("http://a.example/2"),
                    java.util.Map.of(), "ops", Optional.of(new IdempotencyKey("ops", "k-1", "fingerprint-b"))))
                    .isInstanceOf(IdempotencyKey.Reused.class).hasMessageContaining("k-1");

            clock.advance(Duration.ofHours(25));
            log.compact(Duration.ofHours(24));
            assertThat(log.replay(key)).as("forgotten after its lifetime").isEmpty();
        }
    }
}
