package dev.outpost.control.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.control.ControlPlaneConfig.HeartbeatSettings;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.NewEntry;
import dev.outpost.control.store.StoreEngine;
import dev.outpost.testkit.LogRecords;
import dev.outpost.testkit.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator reads in {@code docker logs} of the control plane: one key=value line per state change (an edge
 * losing health, fenced, back; an entry settled on every edge), and none while nothing changes.
 */
class StateChangeLinesTest {
    private static final HeartbeatSettings HEARTBEAT = new HeartbeatSettings(Duration.ofSeconds(1),
            Duration.ofSeconds(3));
    private final ManualClock clock = ManualClock.startingAt("2026-01-01T00:00:00Z");
    private InvalidationLog log;
    private NodeStore store;
    private Registry registry;

    @BeforeEach
    void open(@TempDir Path dir) {
        log = InvalidationLog.open(StoreEngine.SQLITE.settings(dir), dir, clock);
        store = NodeStore.open(StoreEngine.SQLITE.settings(dir), dir);
        registry = new Registry(clock, HEARTBEAT, log, store);
    }

    @AfterEach
    void close() {
        store.close();
        log.close();
    }

    @Test
    void anEdgeGoingSilentIsLoggedUnhealthyThenFencedThenBackOnceEach() {
        registry.register(RegistryTest.edge("eu-1", "eu", 0, true));
        try (LogRecords lines = LogRecords.of(Registry.class)) {
            registry.fenceUnreachable(Duration.ofSeconds(30));
            assertThat(lines.messages()).as("healthy: nothing to say").isEmpty();

            clock.advance(Duration.ofSeconds(4));
            registry.fenceUnreachable(Duration.ofSeconds(30));
            registry.fenceUnreachable(Duration.ofSeconds(30));
            clock.advance(Duration.ofSeconds(30));
            registry.fenceUnreachable(Duration.ofSeconds(30));
            registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0));
            registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0));

            assertThat(lines.messages()).filteredOn(l -> l.startsWith("node health:")).satisfiesExactly(
                    unhealthy -> assertThat(unhealthy).startsWith("node health: id=eu-1 state=unhealthy was=healthy "
                            + "lastSeen=2026-01-01T00:00:00Z timeout=PT3S"),
                    fenced -> assertThat(fenced).startsWith("node health: id=eu-1 state=fenced was=unhealthy "
                            + "lastSeen=2026-01-01T00:00:00Z released=0"),
                    back -> assertThat(back).startsWith("node health: id=eu-1 state=healthy was=fenced"));
        }
    }

    @Test
    void anEntryIsLoggedOnceWhenEveryEdgeInItsScopeSettledIt() {
        registry.register(RegistryTest.edge("eu-1", "eu", 0, true));
        registry.register(RegistryTest.edge("eu-2", "eu", 0, true));
        try (LogRecords lines = LogRecords.under("dev.outpost.control.invalidation")) {
            long sequence = log.append(NewEntry.purgeUrls(List.of("http://a.example/x")),
                    List.of("eu-1", "eu-2"), "ops").sequence();
            clock.advance(Duration.ofMillis(40));
            log.markApplied(sequence, "eu-1");
            assertThat(lines.messages()).as("one edge still to go").noneMatch(l -> l.startsWith("entry settled"));
            clock.advance(Duration.ofMillis(10));
            log.markApplied(sequence, "eu-2");

            assertThat(lines.messages()).filteredOn(l -> l.startsWith("entry settled")).containsExactly(
                    "entry settled: id=p-" + sequence + " sequence=" + sequence + " status=complete edges=2 "
                            + "elapsed=50ms");
        }
    }
}
