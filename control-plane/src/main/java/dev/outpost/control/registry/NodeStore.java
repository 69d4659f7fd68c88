package dev.outpost.control.registry;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.NodeRegistration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Remembers registered nodes and their applied sequence across restarts ({@code nodes.db} in the data directory),
 * so a restarted control plane keeps steering to the edges it knew instead of waiting for them to register again.
 * Advisory state, unlike the invalidation log: {@code synchronous=NORMAL} (no fsync per write), and a lost last
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

    private final Connection db;

    private NodeStore(Connection db) {
        this.db = db;
    }

    public static NodeStore open(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + dataDir + ": " + e.getMessage(), e);
        }
        Path file = dataDir.resolve("nodes.db");
        try {
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS nodes (id TEXT PRIMARY KEY, registration TEXT NOT NULL, "
                        + "registered_at INTEGER NOT NULL, applied INTEGER NOT NULL)");
                boolean hasFenced = false;
                try (ResultSet columns = s.executeQuery("PRAGMA table_info(nodes)")) {
                    while (columns.next()) {
                        hasFenced |= columns.getString("name").equals("fenced");
                    }
                }
                if (!hasFenced) { // a store written before fencing existed
                    s.execute("ALTER TABLE nodes ADD COLUMN fenced INTEGER NOT NULL DEFAULT 0");
                }
            }
            return new NodeStore(db);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the node store " + file + ": " + e.getMessage(), e);
        }
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
        List<Stored> out = new ArrayList<>();
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT registration, registered_at, applied, fenced FROM nodes "
                        + "ORDER BY id")) {
            while (rs.next()) {
                out.add(new Stored(Json.mapper().readValue(rs.getString(1), NodeRegistration.class),
                        Instant.ofEpochMilli(rs.getLong(2)), rs.getLong(3), rs.getInt(4) != 0));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("node store: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new IllegalStateException("node store: " + e.getMessage(), e);
        }
    }

    private void execute(String sql, Object... args) {
        try (PreparedStatement s = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("node store: " + e.getMessage(), e);
        }
    }
}
