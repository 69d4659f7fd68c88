package dev.outpost.control.invalidation;

import dev.outpost.control.store.Store;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL of dead letters in the control plane's {@link Store}: they are rows of {@code deliveries} whose {@code
 * dead_lettered_at} is set (state {@code dead_lettered} while open, then {@code applied} or {@code discarded}), with
 * the pushes the edge answered with an error in {@code tries}. Not thread-safe; the log calls it under its monitor.
 */
final class DeadLetterRows {
    private static final String WHAT = "invalidation log";
    private final Store store;

    DeadLetterRows(Store store) {
        this.store = store;
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
        return store.read(WHAT, db -> {
            List<DeadLetter> out = new ArrayList<>();
            try (PreparedStatement s = db.prepareStatement(sql)) {
                Store.bind(s, args.toArray());
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
            }
            return out;
        });
    }

    /** Whether the node's delivery of the entry was ever dead-lettered. */
    boolean wasDeadLettered(long sequence, String node) {
        return store.read(WHAT, db -> Store.longValue(db, "SELECT count(*) FROM deliveries WHERE sequence = ? "
                + "AND node = ? AND dead_lettered_at IS NOT NULL", sequence, node) > 0);
    }

    /** The delivery's state and tries, if the entry is kept and the node was in its scope. */
    Optional<Map.Entry<Delivery.State, Integer>> deliveryState(long sequence, String node) {
        return store.read(WHAT, db -> {
            try (PreparedStatement s = db.prepareStatement("SELECT state, tries FROM deliveries WHERE sequence = ? "
                    + "AND node = ?")) {
                Store.bind(s, sequence, node);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? Optional.of(Map.entry(Delivery.State.of(rs.getString(1)), rs.getInt(2)))
                            : Optional.<Map.Entry<Delivery.State, Integer>>empty();
                }
            }
        });
    }
}
