package dev.outpost.control.stats;

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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL of {@link TrafficStats} over its one sqlite connection ({@code traffic.db} in the data directory, WAL,
 * {@code synchronous=NORMAL}: statistics are advisory, a write lost in a power cut is a lost batch like any other).
 * Tables: {@code traffic} (per minute, service and status class: requests, hits, bytes) and {@code
 * traffic_batches} (per node, the epoch and highest batch counted, written in the same transaction as the counts
 * they brought, so a restart never counts a written batch again). Not thread-safe; the stats call it under their
 * monitor.
 */
final class TrafficStore implements AutoCloseable {
    /** A stored or pending row. */
    record Row(long minute, String service, String statusClass, long requests, long hits, long bytes) {
    }

    private final Connection db;

    private TrafficStore(Connection db) {
        this.db = db;
    }

    static TrafficStore open(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + dataDir + ": " + e.getMessage(), e);
        }
        Path file = dataDir.resolve("traffic.db");
        try {
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS traffic (
                          minute INTEGER NOT NULL, service TEXT NOT NULL, status_class TEXT NOT NULL,
                          requests INTEGER NOT NULL, hits INTEGER NOT NULL, bytes INTEGER NOT NULL,
                          PRIMARY KEY (minute, service, status_class)) WITHOUT ROWID""");
                s.execute("CREATE TABLE IF NOT EXISTS traffic_batches (node TEXT PRIMARY KEY, epoch TEXT NOT NULL, "
                        + "batch INTEGER NOT NULL)");
            }
            return new TrafficStore(db);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the traffic statistics " + file + ": " + e.getMessage(), e);
        }
    }

    /** Per node, the epoch and highest batch whose counts are stored. */
    Map<String, TrafficStats.Counted> batches() {
        Map<String, TrafficStats.Counted> out = new HashMap<>();
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT node, epoch, batch FROM traffic_batches")) {
            while (rs.next()) {
                out.put(rs.getString(1), new TrafficStats.Counted(rs.getString(2), rs.getLong(3)));
            }
        } catch (SQLException e) {
            throw failed(e);
        }
        return out;
    }

    /**
     * Adds {@code rows} to the stored minutes, records the nodes' batches and deletes minutes before
     * {@code deleteBefore}, in one transaction.
     */
    void write(List<Row> rows, Map<String, TrafficStats.Counted> batches, long deleteBefore) {
        try {
            db.setAutoCommit(false);
            try (PreparedStatement add = db.prepareStatement("INSERT INTO traffic (minute, service, status_class, "
                    + "requests, hits, bytes) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (minute, service, status_class) "
                    + "DO UPDATE SET requests = requests + excluded.requests, hits = hits + excluded.hits, "
                    + "bytes = bytes + excluded.bytes")) {
                for (Row row : rows) {
                    add.setLong(1, row.minute());
                    add.setString(2, row.service());
                    add.setString(3, row.statusClass());
                    add.setLong(4, row.requests());
                    add.setLong(5, row.hits());
                    add.setLong(6, row.bytes());
                    add.addBatch();
                }
                add.executeBatch();
            }
            try (PreparedStatement mark = db.prepareStatement("INSERT INTO traffic_batches (node, epoch, batch) "
                    + "VALUES (?, ?, ?) ON CONFLICT (node) DO UPDATE SET epoch = excluded.epoch, "
                    + "batch = excluded.batch")) {
                for (Map.Entry<String, TrafficStats.Counted> b : batches.entrySet()) {
                    mark.setString(1, b.getKey());
                    mark.setString(2, b.getValue().epoch());
                    mark.setLong(3, b.getValue().batch());
                    mark.addBatch();
                }
                mark.executeBatch();
            }
            try (PreparedStatement old = db.prepareStatement("DELETE FROM traffic WHERE minute < ?")) {
                old.setLong(1, deleteBefore);
                old.executeUpdate();
            }
            db.commit();
        } catch (SQLException e) {
            try {
                db.rollback();
            } catch (SQLException ignored) {
                // the write failed already; the caller keeps its rows for the next try
            }
            throw failed(e);
        } finally {
            try {
                db.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the next statement fails loudly if the connection is unusable
            }
        }
    }

    /** Stored rows of minutes {@code from} (inclusive) to {@code to} (exclusive), of one service or all. */
    List<Row> read(Optional<String> service, long from, long to) {
        List<Row> out = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement("SELECT minute, service, status_class, requests, hits, bytes "
                + "FROM traffic WHERE minute >= ? AND minute < ?" + (service.isPresent() ? " AND service = ?" : ""))) {
            s.setLong(1, from);
            s.setLong(2, to);
            if (service.isPresent()) {
                s.setString(3, service.get());
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                            rs.getLong(6)));
                }
            }
        } catch (SQLException e) {
            throw failed(e);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    private static IllegalStateException failed(SQLException e) {
        return new IllegalStateException("traffic statistics: " + e.getMessage(), e);
    }
}
