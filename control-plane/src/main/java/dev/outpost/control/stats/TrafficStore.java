package dev.outpost.control.stats;

import dev.outpost.control.store.Store;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL of {@link TrafficStats} over the control plane's {@link Store} (advisory transactions: statistics are
 * advisory, a write lost in a power cut is a lost batch like any other).
 * Tables: {@code traffic} (per minute, service and status class: requests, hits, bytes) and {@code
 * traffic_batches} (per node, the epoch and highest batch counted, written in the same transaction as the counts
 * they brought, so a restart never counts a written batch again). Not thread-safe; the stats call it under their
 * monitor.
 */
final class TrafficStore implements AutoCloseable {
    /** A stored or pending row. */
    record Row(long minute, String service, String statusClass, long requests, long hits, long bytes) {
    }

    private static final String WHAT = "traffic statistics";
    private final Store store;
    private final boolean ownsStore;

    TrafficStore(Store store, boolean ownsStore) {
        this.store = store;
        this.ownsStore = ownsStore;
    }

    /** Per node, the epoch and highest batch whose counts are stored. */
    Map<String, TrafficStats.Counted> batches() {
        return store.read(WHAT, db -> {
            Map<String, TrafficStats.Counted> out = new HashMap<>();
            try (Statement s = db.createStatement();
                    ResultSet rs = s.executeQuery("SELECT node, epoch, batch FROM traffic_batches")) {
                while (rs.next()) {
                    out.put(rs.getString(1), new TrafficStats.Counted(rs.getString(2), rs.getLong(3)));
                }
            }
            return out;
        });
    }

    /**
     * Adds {@code rows} to the stored minutes, records the nodes' batches and deletes minutes before
     * {@code deleteBefore}, in one transaction.
     */
    void write(List<Row> rows, Map<String, TrafficStats.Counted> batches, long deleteBefore) {
        store.transaction(WHAT, Store.Durability.ADVISORY, db -> {
            try (PreparedStatement add = db.prepareStatement("INSERT INTO traffic (minute, service, status_class, "
                    + "requests, hits, bytes) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (minute, service, status_class) "
                    + "DO UPDATE SET requests = traffic.requests + excluded.requests, "
                    + "hits = traffic.hits + excluded.hits, bytes = traffic.bytes + excluded.bytes")) {
                for (Row row : rows) {
                    Store.bind(add, row.minute(), row.service(), row.statusClass(), row.requests(), row.hits(),
                            row.bytes());
                    add.addBatch();
                }
                add.executeBatch();
            }
            try (PreparedStatement mark = db.prepareStatement("INSERT INTO traffic_batches (node, epoch, batch) "
                    + "VALUES (?, ?, ?) ON CONFLICT (node) DO UPDATE SET epoch = excluded.epoch, "
                    + "batch = excluded.batch")) {
                for (Map.Entry<String, TrafficStats.Counted> b : batches.entrySet()) {
                    Store.bind(mark, b.getKey(), b.getValue().epoch(), b.getValue().batch());
                    mark.addBatch();
                }
                mark.executeBatch();
            }
            return Store.update(db, "DELETE FROM traffic WHERE minute < ?", deleteBefore);
        });
    }

    /** Stored rows of minutes {@code from} (inclusive) to {@code to} (exclusive), of one service or all. */
    List<Row> read(Optional<String> service, long from, long to) {
        return store.read(WHAT, db -> {
            List<Row> out = new ArrayList<>();
            try (PreparedStatement s = db.prepareStatement("SELECT minute, service, status_class, requests, hits, "
                    + "bytes FROM traffic WHERE minute >= ? AND minute < ?"
                    + (service.isPresent() ? " AND service = ?" : ""))) {
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
            }
            return out;
        });
    }

    @Override
    public void close() {
        if (ownsStore) {
            store.close();
        }
    }
}
