package dev.outpost.control.registry;

import dev.outpost.control.ControlPlaneConfig.HeartbeatSettings;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.store.StoreEngine;
import dev.outpost.testkit.ManualClock;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A {@link Registry} over real stores of one {@link StoreEngine} (SQLite or PostgreSQL) in a test's folder, with
 * the heartbeat settings the registry tests count on (1 s interval, 3 s timeout); it can build the registry again
 * as a restarted control plane would. Closes its stores.
 */
final class RegistryStores implements AutoCloseable {
    static final HeartbeatSettings HEARTBEAT = new HeartbeatSettings(Duration.ofSeconds(1), Duration.ofSeconds(3));

    private final StoreEngine engine;
    private final Path dir;
    private final ManualClock clock;
    private final InvalidationLog log;
    private NodeStore store;
    private final Registry registry;

    RegistryStores(StoreEngine engine, Path dir, ManualClock clock) {
        this.engine = engine;
        this.dir = dir;
        this.clock = clock;
        log = InvalidationLog.open(engine.settings(dir), dir, clock);
        store = NodeStore.open(engine.settings(dir), dir);
        registry = new Registry(clock, HEARTBEAT, log, store);
    }

    Registry registry() {
        return registry;
    }

    InvalidationLog log() {
        return log;
    }

    StoreEngine engine() {
        return engine;
    }

    Path dir() {
        return dir;
    }

    /** A second registry over the same open stores: what a control plane that started again reads from them. */
    Registry anotherOverTheSameStores() {
        return new Registry(clock, HEARTBEAT, log, store);
    }

    /** A registry over the node store closed and opened again from disk, the invalidation log kept. */
    Registry restartedFromDisk() {
        store.close();
        store = NodeStore.open(engine.settings(dir), dir);
        return new Registry(clock, HEARTBEAT, log, store);
    }

    @Override
    public void close() {
        store.close();
        log.close();
    }
}
