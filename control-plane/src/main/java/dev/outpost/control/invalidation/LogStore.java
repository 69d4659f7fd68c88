package dev.outpost.control.invalidation;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.common.wire.ServiceChange;
import dev.outpost.control.store.Store;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import tools.jackson.core.type.TypeReference;

/**
 * The SQL of {@link InvalidationLog}: row mapping and statements over the control plane's {@link Store} (the schema
 * is the store's migrations). Not thread-safe on its own; the log calls it under its monitor. Tables: {@code entries}
 * (one row per purge, push or config change, the latter's {@code ServiceChange} as JSON in {@code config}),
 * {@code deliveries} (one row per entry and edge in scope; {@code tries} counts the pushes the edge answered with an
 * error, {@code dead_lettered_at} is set once the delivery was dead-lettered and stays through an operator's retry
 * or discard), {@code compacted} (per regions text, the highest sequence compaction deleted) and
 * {@code idempotency_keys}; sequences come from the store's gap-free counter {@code invalidation_log}.
 */
final class LogStore {
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };
    /** The bytes an entry weighs against the entry, page and listing caps: its lists as stored JSON. */
    private static final String SIZE = "length(urls) + length(prefixes) + length(tags) + length(hosts) "
            + "+ coalesce(length(config), 0)";
    /** Entries deleted per compaction transaction, so the log's lock is released in between. */
    static final int COMPACTION_BATCH = 2_000;

    /** An Idempotency-Key as stored. */
    record KeyUse(String fingerprint, long sequence, Kind kind, Instant createdAt) {
    }

    /** Entries read up to a cap; {@code more} when the cap (count or bytes) cut the list. */
    record Slice(List<LoggedEntry> entries, boolean more) {
    }

    private static final String WHAT = "invalidation log";
    /** The log's counter in the store's {@code sequences} table. */
    private static final String SEQUENCE = "invalidation_log";
    private final Store store;
    /** Whether {@link #close} closes the store too (the log opened it itself, for tests and tools). */
    private final boolean ownsStore;
    /** The dead letters' rows of {@code deliveries}. */
    final DeadLetterRows deadLetters;

    LogStore(Store store, boolean ownsStore) {
        this.store = store;
        this.ownsStore = ownsStore;
        this.deadLetters = new DeadLetterRows(store);
    }

    /** Fills the highest purge per regions text and the compaction marks. */
    void loadMarks(Map<String, Long> due, Map<String, Long> compacted) {
        store.read(WHAT, db -> {
            try (Statement s = db.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT regions, max(sequence) FROM entries WHERE kind IN ('purge', "
                        + "'config') "
                        + "GROUP BY regions")) {
                    while (rs.next()) {
                        due.put(rs.getString(1), rs.getLong(2));
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT regions, through FROM compacted")) {
                    while (rs.next()) {
                        compacted.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            return null;
        });
    }

    /** The compaction marks: per regions text, the highest sequence compaction deleted. */
    Map<String, Long> compactedMarks() {
        return store.read(WHAT, db -> {
            Map<String, Long> out = new java.util.HashMap<>();
            try (Statement s = db.createStatement();
                    ResultSet rs = s.executeQuery("SELECT regions, through FROM compacted")) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getLong(2));
                }
            }
            return out;
        });
    }

    /** Whether other control planes append to the same tables (PostgreSQL). */
    boolean shared() {
        return store.shared();
    }

    /** Runs {@code read} on a connection of the store (the service tables that share it). */
    <T> T read(Store.Work<T> read) {
        return store.read("service configuration", read);
    }

    /** The highest sequence ever given (kept in the log's counter even when those entries were compacted). */
    long lastSequence() {
        return store.read(WHAT, db -> Store.lastInSequence(db, SEQUENCE));
    }

    /**
     * Inserts the entry, its deliveries and its key in one durable transaction; returns its sequence, the next of
     * the log's gap-free counter (taken in the same transaction, so concurrent appenders wait for each other and a
     * rolled-back append leaves no hole).
     */
    long append(NewEntry entry, Map<String, Delivery.State> deliveries, String requestedBy, Instant now,
            Optional<IdempotencyKey> key) {
        return appendAll(List.of(entry), deliveries, requestedBy, now, key, (db, sequences) -> {
        }).get(0);
    }

    /**
     * Inserts the entries in order (consecutive sequences of the log's counter), each with the same deliveries, then
     * runs {@code alsoWrite} on the same connection (the service tables), all in one durable transaction; returns
     * their sequences.
     */
    List<Long> appendAll(List<NewEntry> entries, Map<String, Delivery.State> deliveries, String requestedBy,
            Instant now, Optional<IdempotencyKey> key, InvalidationLog.AlsoWrite alsoWrite) {
        return store.transaction("appending to the invalidation log", Store.Durability.DURABLE, db -> {
            List<Long> sequences = new ArrayList<>();
            for (NewEntry entry : entries) {
                sequences.add(insert(db, entry, deliveries, requestedBy, now));
            }
            if (key.isPresent() && insertKey(db, key.get(), sequences.get(0), entries.get(0).kind(), now) == 0) {
                // another request with this key (on this control plane or another one) committed first: this
                // append rolls back, so the sequences it took are handed out again, and the caller replays
                throw new KeyTaken();
            }
            alsoWrite.write(db, sequences);
            store.notifyChanged(db, "log " + sequences.get(sequences.size() - 1));
            return sequences;
        });
    }

    private static long insert(Connection db, NewEntry entry, Map<String, Delivery.State> deliveries,
            String requestedBy, Instant now) throws SQLException {
        long sequence = Store.nextInSequence(db, SEQUENCE);
        Store.update(db, "INSERT INTO entries (sequence, kind, urls, prefixes, tags, hosts, all_content, soft, "
                + "regions, accepted_at, requested_by, config) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", sequence,
                kindName(entry.kind()), json(entry.urls()), json(entry.prefixes()), json(entry.tags()),
                json(entry.hosts()), entry.all() ? 1 : 0, entry.soft() ? 1 : 0, regionsText(entry.regions()),
                now.toEpochMilli(), requestedBy,
                entry.config() == null ? null : Json.mapper().writeValueAsString(entry.config()));
        try (PreparedStatement delivery = db.prepareStatement(
                "INSERT INTO deliveries (sequence, node, state, detail) VALUES (?, ?, ?, ?)")) {
            for (Map.Entry<String, Delivery.State> d : deliveries.entrySet()) {
                Store.bind(delivery, sequence, d.getKey(), d.getValue().wireName(),
                        d.getValue() == Delivery.State.FENCED ? "edge fenced (unreachable) when accepted; it "
                                + "revalidates everything when it returns" : null);
                delivery.addBatch();
            }
            delivery.executeBatch();
        }
        return sequence;
    }

    Optional<KeyUse> keyUse(IdempotencyKey key) {
        return store.read(WHAT, db -> {
            try (PreparedStatement s = db.prepareStatement("SELECT fingerprint, sequence, kind, created_at FROM "
                    + "idempotency_keys WHERE principal = ? AND key = ?")) {
                Store.bind(s, key.principal(), key.key());
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? Optional.of(new KeyUse(rs.getString(1), rs.getLong(2), kind(rs.getString(3)),
                            Instant.ofEpochMilli(rs.getLong(4)))) : Optional.<KeyUse>empty();
                }
            }
        });
    }

    void rememberKey(IdempotencyKey key, long sequence, Instant now) {
        Optional<LoggedEntry> entry = entry(sequence);
        store.read(WHAT, db -> {
            insertKey(db, key, sequence, entry.map(e -> e.entry().kind()).orElse(Kind.PURGE), now);
            return null;
        });
    }

    /** An append's Idempotency-Key was stored by another request first; the append was rolled back. */
    static final class KeyTaken extends RuntimeException {
        KeyTaken() {
            super("Idempotency-Key taken by a concurrent request", null, false, false);
        }
    }

    private static int insertKey(Connection db, IdempotencyKey key, long sequence, Kind kind, Instant now)
            throws SQLException {
        return Store.update(db, "INSERT INTO idempotency_keys (principal, key, fingerprint, sequence, kind, created_at) "
                + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", key.principal(), key.key(), key.fingerprint(),
                sequence, kindName(kind), now.toEpochMilli());
    }

    void forgetKeys(Instant before) {
        update("DELETE FROM idempotency_keys WHERE created_at < ?", before.toEpochMilli());
    }

    Optional<LoggedEntry> entry(long sequence) {
        return read("SELECT * FROM entries WHERE sequence = ?", 1, Long.MAX_VALUE, sequence).entries().stream()
                .findFirst();
    }

    /** Newest first, below {@code before}; cut at {@code limit} entries or {@code maxBytes} (one at least). */
    Slice recent(Kind kind, int limit, long before, long maxBytes) {
        return read("SELECT * FROM entries WHERE kind = ? AND sequence < ? ORDER BY sequence DESC LIMIT ?", limit,
                maxBytes, kindName(kind), before, limit + 1);
    }

    /**
     * Oldest first after {@code sequence} and at most {@code through}, in {@code region} ({@link
     * InvalidationLog#EVERY_REGION}: in any), no push accepted before {@code pushCutoffMillis}.
     */
    InvalidationLog.Page entriesAfter(long sequence, long through, String region, long pushCutoffMillis, int limit,
            long maxBytes) {
        // every stored regions text but "" holds a comma: the needle "," matches them all
        String needle = InvalidationLog.EVERY_REGION.equals(region) ? "," : "," + region + ",";
        Slice slice = read("SELECT * FROM entries WHERE sequence > ? AND sequence <= ? AND (regions = '' OR "
                + store.dialect().position("?", "regions") + " > 0) AND NOT (kind = 'push' AND accepted_at < ?) "
                + "ORDER BY sequence LIMIT ?", limit, maxBytes, sequence, through, needle, pushCutoffMillis,
                limit + 1);
        return new InvalidationLog.Page(slice.entries().stream().map(LoggedEntry::entry).toList(), slice.more());
    }

    /** Entries after {@code sequence} in every region, oldest first, at most {@code limit} (the change feed). */
    List<LoggedEntry> allAfter(long sequence, int limit) {
        return read("SELECT * FROM entries WHERE sequence > ? ORDER BY sequence LIMIT ?", limit, Long.MAX_VALUE,
                sequence, limit).entries();
    }

    List<Delivery> deliveries(long sequence) {
        return store.read(WHAT, db -> {
            List<Delivery> out = new ArrayList<>();
            try (PreparedStatement s = db.prepareStatement(
                    "SELECT node, state, applied_at, detail FROM deliveries WHERE sequence = ? ORDER BY node")) {
                s.setLong(1, sequence);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        long applied = rs.getLong(3);
                        Optional<Instant> appliedAt = rs.wasNull() ? Optional.empty()
                                : Optional.of(Instant.ofEpochMilli(applied));
                        out.add(new Delivery(rs.getString(1), Delivery.State.of(rs.getString(2)), appliedAt,
                                Optional.ofNullable(rs.getString(4))));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Per node, how many deliveries are pending, behind, failed, expired or dead-lettered ({@link InvalidationLog}); one lookup per
     * node in the {@code (node, state)} index, so the applied majority is never read.
     */
    Map<String, Map<Delivery.State, Long>> unappliedDeliveries(Collection<String> nodes) {
        return store.read(WHAT, db -> {
            Map<String, Map<Delivery.State, Long>> out = new TreeMap<>();
            try (PreparedStatement s = db.prepareStatement("SELECT state, count(*) FROM deliveries WHERE node = ? "
                    + "AND state IN ('pending', 'behind', 'failed', 'expired', 'dead_lettered') GROUP BY state")) {
                for (String node : nodes) {
                    Map<Delivery.State, Long> counts = new EnumMap<>(Delivery.State.class);
                    s.setString(1, node);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            counts.put(Delivery.State.of(rs.getString(1)), rs.getLong(2));
                        }
                    }
                    out.put(node, counts);
                }
            }
            return out;
        });
    }

    /** The highest sequence to compact: past the age cut-off, or beyond the newest {@code keep} entries. */
    long compactionPoint(Instant olderThan, long keep) {
        return store.read(WHAT, db -> {
            long byAge = Store.longValue(db, "SELECT coalesce(max(sequence), 0) FROM entries WHERE accepted_at < ?",
                    olderThan.toEpochMilli());
            long byCount = Store.longValue(db, "SELECT coalesce((SELECT sequence FROM entries ORDER BY sequence "
                    + "DESC LIMIT 1 OFFSET ?), 0)", keep);
            return Math.max(byAge, byCount);
        });
    }

    /**
     * Deletes one batch of entries at or below {@code through} (the oldest first) with their deliveries, raising the
     * compaction marks first, in one transaction; returns how many entries went (0 when none are left).
     */
    int compactBatch(long through, Map<String, Long> compacted) {
        List<Map.Entry<String, Long>> marks = new ArrayList<>();
        int deleted = store.transaction(WHAT, Store.Durability.ADVISORY, db -> {
            long batchEnd = Math.min(through, Store.longValue(db, "SELECT coalesce((SELECT sequence FROM entries "
                    + "WHERE sequence <= ? ORDER BY sequence LIMIT 1 OFFSET ?), ?)", through, COMPACTION_BATCH - 1,
                    through));
            try (PreparedStatement s = db.prepareStatement(
                    "SELECT regions, max(sequence) FROM entries WHERE sequence <= ? GROUP BY regions")) {
                s.setLong(1, batchEnd);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        marks.add(Map.entry(rs.getString(1), rs.getLong(2)));
                    }
                }
            }
            for (Map.Entry<String, Long> mark : marks) {
                Store.update(db, "INSERT INTO compacted (regions, through) VALUES (?, ?) ON CONFLICT (regions) DO "
                        + "UPDATE SET through = " + store.dialect().greatest("compacted.through", "excluded.through"),
                        mark.getKey(), mark.getValue());
            }
            Store.update(db, "DELETE FROM deliveries WHERE sequence <= ?", batchEnd);
            return Store.update(db, "DELETE FROM entries WHERE sequence <= ?", batchEnd);
        });
        marks.forEach(mark -> compacted.merge(mark.getKey(), mark.getValue(), Math::max));
        return deleted;
    }

    int update(String sql, Object... args) {
        return store.update(WHAT, sql, args);
    }

    void close() {
        if (ownsStore) {
            store.close();
        }
    }

    /**
     * Rows in query order, at most {@code limit}, and no further once {@code maxBytes} of entry lists were taken
     * (the first row always is): an entry is materialised only once it fits, so a cap bounds memory too.
     */
    private Slice read(String sql, int limit, long maxBytes, Object... args) {
        return store.read(WHAT, db -> {
            List<LoggedEntry> out = new ArrayList<>();
            long bytes = 0;
            boolean more = false;
            try (PreparedStatement s = db.prepareStatement(sql.replace("SELECT *", "SELECT *, " + SIZE
                    + " AS size"))) {
                Store.bind(s, args);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        long size = rs.getLong("size");
                        if (out.size() >= limit || !out.isEmpty() && bytes + size > maxBytes) {
                            more = true;
                            break;
                        }
                        bytes += size;
                        out.add(row(rs));
                    }
                }
            }
            return new Slice(out, more);
        });
    }

    private static LoggedEntry row(ResultSet rs) throws SQLException {
        String regions = rs.getString("regions");
        InvalidationEntry entry = new InvalidationEntry(rs.getLong("sequence"), kind(rs.getString("kind")),
                strings(rs.getString("urls")), strings(rs.getString("prefixes")), strings(rs.getString("tags")),
                strings(rs.getString("hosts")), rs.getInt("all_content") != 0, rs.getInt("soft") != 0,
                regions.isEmpty() ? List.of() : List.of(regions.substring(1).split(",")),
                Optional.ofNullable(rs.getString("config"))
                        .map(json -> Json.mapper().readValue(json, ServiceChange.class)).orElse(null));
        return new LoggedEntry(entry, Instant.ofEpochMilli(rs.getLong("accepted_at")), rs.getString("requested_by"));
    }

    private static String kindName(Kind kind) {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    static Kind kind(String name) {
        return Kind.valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }

    static String regionsText(List<String> regions) {
        return regions.isEmpty() ? "" : "," + String.join(",", regions) + ",";
    }

    private static String json(List<String> values) {
        return Json.mapper().writeValueAsString(values);
    }

    private static List<String> strings(String json) {
        return Json.mapper().readValue(json, STRINGS);
    }
}
