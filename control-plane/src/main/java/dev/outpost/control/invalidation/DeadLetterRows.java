package dev.outpost.control.invalidation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The SQL of dead letters over {@link LogStore}'s connection: they are rows of {@code deliveries} whose {@code
 * dead_lettered_at} is set (state {@code dead_lettered} while open, then {@code applied} or {@code discarded}), with
 * the pushes the edge answered with an error in {@code tries}. Not thread-safe; the log calls it under its monitor.
 */
final class DeadLetterRows {
    private final Connection db;

    DeadLetterRows(Connection db) {
        this.db = db;
    }

    /** Adds the dead-letter columns to a {@code deliveries} table made before they existed. */
    static void migrate(Connection db) throws SQLException {
        Set<String> columns = new HashSet<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(deliveries)")) {
            while (rs.next()) {
                columns.add(rs.getString("name"));
            }
        }
        try (Statement s = db.createStatement()) {
            if (!columns.contains("tries")) {
                s.execute("ALTER TABLE deliveries ADD COLUMN tries INTEGER NOT NULL DEFAULT 0");
            }
            if (!columns.contains("dead_lettered_at")) {
                s.execute("ALTER TABLE deliveries ADD COLUMN dead_lettered_at INTEGER");
            }
        }
    }

    /** Dead letters (open, retried or discarded) in (sequence, node) order after the cursor, at most {@code limit}. */
    List<DeadLetter> list(Optional<String> node, boolean openOnly, long afterSequence, String afterNode,
            int limit) {
        String sql = "SELECT d.sequence, d.node, e.kind, d.state, d.detail, d.tries, d.dead_lettered_at, d.applied_at "
                + "FROM deliveries d JOIN entries e ON e.sequence = d.sequence WHERE d.dead_lettered_at IS NOT NULL "
                + "AND (d.sequence > ? OR d.sequence = ? AND d.node > ?)"
                + (openOnly ? " AND d.state = 'dead_lettered'" : "") + (node.isPresent() ? " AND d.node = ?" : "")
                + " ORDER BY d.sequence, d.node LIMIT ?";
        List<Object> args = new ArrayList<>(List.of(afterSequence, afterSequence, afterNode));
        node.ifPresent(args::add);
        args.add(limit);
        List<DeadLetter> out = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            LogStore.bind(s, args.toArray());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    long applied = rs.getLong(8);
                    Optional<Instant> appliedAt = rs.wasNull() ? Optional.empty()
                            : Optional.of(Instant.ofEpochMilli(applied));
                    out.add(new DeadLetter(rs.getLong(1), rs.getString(2), LogStore.kind(rs.getString(3)),
                            Delivery.State.of(rs.getString(4)), Optional.ofNullable(rs.getString(5)).orElse(""),
                            rs.getInt(6), Instant.ofEpochMilli(rs.getLong(7)), appliedAt));
                }
            }
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
        return out;
    }

    /** How many dead letters are open (neither retried nor discarded), per edge. */
    Map<String, Long> openPerNode() {
        Map<String, Long> out = new TreeMap<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT node, count(*) FROM deliveries "
                + "WHERE dead_lettered_at IS NOT NULL AND state = 'dead_lettered' GROUP BY node")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
        return out;
    }

    /** Whether the node's delivery of the entry was ever dead-lettered. */
    boolean wasDeadLettered(long sequence, String node) {
        try (PreparedStatement s = db.prepareStatement("SELECT count(*) FROM deliveries WHERE sequence = ? "
                + "AND node = ? AND dead_lettered_at IS NOT NULL")) {
            LogStore.bind(s, sequence, node);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getLong(1) > 0;
            }
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
    }

    /** The delivery's state and tries, if the entry is kept and the node was in its scope. */
    Optional<Map.Entry<Delivery.State, Integer>> deliveryState(long sequence, String node) {
        try (PreparedStatement s = db.prepareStatement("SELECT state, tries FROM deliveries WHERE sequence = ? "
                + "AND node = ?")) {
            LogStore.bind(s, sequence, node);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(Map.entry(Delivery.State.of(rs.getString(1)), rs.getInt(2)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
    }
}
