package dev.outpost.control.registry;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.control.StoreSettings;
import dev.outpost.control.store.Store;
import java.nio.file.Path;
import dev.outpost.common.wire.Heartbeat;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
    public record Stored(NodeRegistration registration, Instant registeredAt, long appliedSequence, boolean fenced,
            Instant lastSeen, Optional<Heartbeat> stats, boolean resetDue) {
        public Stored(NodeRegistration registration, Instant registeredAt, long appliedSequence, boolean fenced) {
            this(registration, registeredAt, appliedSequence, fenced, registeredAt, Optional.empty(), fenced);
        }
    }

    private static final String COLUMNS = "registration, registered_at, applied, fenced, last_seen, stats, reset_due, "
            + "role";

    private static final String WHAT = "node store";
    private static final String RELEASED = "released_to_edges";
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

    /** Whether several control planes share the store: then each heartbeat is written ({@link #heard}). */
    public boolean shared() {
        return store.shared();
    }

    public synchronized void registered(NodeRegistration registration, Instant at, long applied, boolean fenced,
            boolean resetDue) {
        execute("INSERT INTO nodes (id, registration, registered_at, applied, fenced, last_seen, reset_due, role) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT(id) DO UPDATE SET registration = excluded.registration, "
                + "registered_at = excluded.registered_at, applied = excluded.applied, fenced = excluded.fenced, "
                + "last_seen = excluded.last_seen, reset_due = excluded.reset_due, role = excluded.role",
                registration.id(), Json.mapper().writeValueAsString(registration), at.toEpochMilli(), applied,
                fenced ? 1 : 0, at.toEpochMilli(), resetDue ? 1 : 0, roleName(registration.role()));
    }

    /** A fenced node revalidated everything: no longer fenced, nothing left to revalidate. */
    public synchronized void resetDone(String id) {
        execute("UPDATE nodes SET fenced = 0, reset_due = 0 WHERE id = ?", id);
    }

    /**
     * Fences the node unless it was heard from at or after {@code heardBefore} (by any control plane sharing the
     * store); returns whether this call fenced it (it was not fenced before).
     */
    public synchronized boolean fence(String id, Instant heardBefore) {
        return execute("UPDATE nodes SET fenced = 1, reset_due = 1 WHERE id = ? AND fenced = 0 AND last_seen < ?", id,
                heardBefore.toEpochMilli()) > 0;
    }

    /** A heartbeat arrived (written only when the store is shared, so every control plane sees the node's health). */
    public synchronized void heard(String id, Instant at, Heartbeat stats, long applied) {
        execute("UPDATE nodes SET last_seen = " + store.dialect().greatest("last_seen", "?") + ", stats = ?, "
                + "applied = " + store.dialect().greatest("applied", "?") + " WHERE id = ?", at.toEpochMilli(),
                Json.mapper().writeValueAsString(stats), applied, id);
    }

    /** The node as stored, if it is registered (perhaps through another control plane). */
    public synchronized Optional<Stored> find(String id) {
        return select(" WHERE id = ?", id).stream().findFirst();
    }

    /** The shields as stored (perhaps registered, heard from or acked through another control plane). */
    public synchronized List<Stored> shields() {
        return select(" WHERE role = 'shield' ORDER BY id");
    }

    /** The highest sequence handed to edges that are not shields (0 before the first shield registered). */
    public synchronized long releasedToEdges() {
        return store.read(WHAT, db -> Store.lastInSequence(db, RELEASED));
    }

    /**
     * Raises the mark of what edges were handed to {@code sequence} (never lowers it), durably: a mark lost in a
     * power cut would let a shield that missed a purge be named to edges again. {@code tell}: tells the other
     * control planes, so they release what they hold back for their edges at once (nothing is held without shields).
     */
    public synchronized void releasedToEdges(long sequence, boolean tell) {
        store.transaction(WHAT, Store.Durability.DURABLE, db -> {
            if (Store.update(db, "UPDATE sequences SET last = ? WHERE name = ? AND last < ?", sequence, RELEASED,
                    sequence) > 0 && tell) {
                store.notifyChanged(db, "released " + sequence);
            }
            return null;
        });
    }

    public synchronized void applied(String id, long applied) {
        execute("UPDATE nodes SET applied = ? WHERE id = ? AND applied < ?", applied, id, applied);
    }

    public synchronized void removed(String id) {
        execute("DELETE FROM nodes WHERE id = ?", id);
    }

    public synchronized List<Stored> all() {
        return select(" ORDER BY id");
    }

    private List<Stored> select(String where, Object... args) {
        return store.read(WHAT, db -> {
            List<Stored> out = new ArrayList<>();
            try (PreparedStatement s = db.prepareStatement("SELECT " + COLUMNS + " FROM nodes" + where)) {
                Store.bind(s, args);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        Instant registeredAt = Instant.ofEpochMilli(rs.getLong(2));
                        long lastSeen = rs.getLong(5);
                        String stats = rs.getString(6);
                        NodeRegistration registration = Json.mapper().readValue(rs.getString(1),
                                NodeRegistration.class);
                        // the column is the role's home (the registration JSON of a node stored before V5 has none)
                        registration = withRole(registration, rs.getString(8));
                        out.add(new Stored(registration,
                                registeredAt, rs.getLong(3), rs.getInt(4) != 0,
                                lastSeen == 0 ? registeredAt : Instant.ofEpochMilli(lastSeen),
                                Optional.ofNullable(stats).map(j -> Json.mapper().readValue(j, Heartbeat.class)),
                                rs.getInt(7) != 0));
                    }
                }
            }
            return out;
        });
    }

    private static String roleName(NodeRegistration.Role role) {
        return role == NodeRegistration.Role.SHIELD ? "shield" : "edge";
    }

    private static NodeRegistration withRole(NodeRegistration r, String role) {
        NodeRegistration.Role stored = "shield".equals(role) ? NodeRegistration.Role.SHIELD : NodeRegistration.Role.EDGE;
        return stored == r.role() ? r : new NodeRegistration(r.id(), r.kind(), r.region(), r.publicUrl(), r.adminUrl(),
                r.appliedSequence(), r.cacheEmpty(), r.startedEmpty(), stored);
    }

    @Override
    public synchronized void close() {
        if (ownsStore) {
            store.close();
        }
    }

    private int execute(String sql, Object... args) {
        return store.update(WHAT, sql, args);
    }
}
