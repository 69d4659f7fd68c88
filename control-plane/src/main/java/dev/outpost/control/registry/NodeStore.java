package dev.outpost.control.registry;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.control.StoreSettings;
import dev.outpost.control.store.Store;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Remembers registered nodes and their applied sequence across restarts (table {@code nodes} of the control plane's
 * {@link Store}),
 * so a restarted control plane keeps steering to the edges it knew instead of waiting for them to register again.
 * Advisory state, unlike the invalidation log: on SQLite {@code synchronous=NORMAL} (no fsync per write), and a lost last
 * update only means a node's next heartbeat reports it again. Written on registration and when a node's applied
 * sequence moves, never per heartbeat.
 */
public final class NodeStore implements AutoCloseable {
    /**
     * A node as stored: its registration, when it registered, the highest sequence it is known to have applied, and
     * whether it is fenced (a restart must not forget that a fenced edge has to revalidate everything on return).
     */
    public record Stored(NodeRegistration registration, Instant registeredAt, long appliedSequence, boolean fenced) {
    }

    private static final String WHAT = "node store";
    private final Store store;
    private final boolean ownsStore;

    private NodeStore(Store store, boolean ownsStore) {
        this.store = store;
        this.ownsStore = ownsStore;
    }

    /** The node store in the control plane's store, which outlives it. */
    public static NodeStore in(Store store) {
        return new NodeStore(store, false);
    }

    /** A node store with its own SQLite store in {@code dataDir} (tests and tools). */
    public static NodeStore open(Path dataDir) {
        return open(StoreSettings.DEFAULTS, dataDir);
    }

    /** A node store with its own store as {@code settings} say (tests and tools). */
    public static NodeStore open(StoreSettings settings, Path dataDir) {
        return new NodeStore(Store.open(settings, dataDir), true);
    }

    public synchronized void registered(NodeRegistration registration, Instant at, long applied, boolean fenced) {
        execute("INSERT INTO nodes (id, registration, registered_at, applied, fenced) VALUES (?, ?, ?, ?, ?) "
                + "ON CONFLICT(id) DO UPDATE SET registration = excluded.registration, "
                + "registered_at = excluded.registered_at, applied = excluded.applied, fenced = excluded.fenced",
                registration.id(), Json.mapper().writeValueAsString(registration), at.toEpochMilli(), applied,
                fenced ? 1 : 0);
    }

    public synchronized void fenced(String id, boolean fenced) {
        execute("UPDATE nodes SET fenced = ? WHERE id = ?", fenced ? 1 : 0, id);
    }

    public synchronized void applied(String id, long applied) {
        execute("UPDATE nodes SET applied = ? WHERE id = ? AND applied < ?", applied, id, applied);
    }

    public synchronized void removed(String id) {
        execute("DELETE FROM nodes WHERE id = ?", id);
    }

    public synchronized List<Stored> all() {
        return store.read(WHAT, db -> {
            List<Stored> out = new ArrayList<>();
            try (Statement s = db.createStatement();
                    ResultSet rs = s.executeQuery("SELECT registration, registered_at, applied, fenced FROM nodes "
                            + "ORDER BY id")) {
                while (rs.next()) {
                    out.add(new Stored(Json.mapper().readValue(rs.getString(1), NodeRegistration.class),
                            Instant.ofEpochMilli(rs.getLong(2)), rs.getLong(3), rs.getInt(4) != 0));
                }
            }
            return out;
        });
    }

    @Override
    public synchronized void close() {
        if (ownsStore) {
            store.close();
        }
    }

    private void execute(String sql, Object... args) {
        store.update(WHAT, sql, args);
    }
}
