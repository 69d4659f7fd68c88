package dev.outpost.control.invalidation;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.common.wire.ServiceChange;
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
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import tools.jackson.core.type.TypeReference;

/**
 * The SQL of {@link InvalidationLog}: schema, row mapping and statements over its one sqlite connection. Not
 * thread-safe on its own; the log calls it under its monitor. Tables: {@code entries} (one row per purge, push or
 * config change, the latter's {@code ServiceChange} as JSON in {@code config}),
 * {@code deliveries} (one row per entry and edge in scope; {@code tries} counts the pushes the edge answered with an
 * error, {@code dead_lettered_at} is set once the delivery was dead-lettered and stays through an operator's retry
 * or discard), {@code compacted} (per regions text, the highest sequence compaction deleted) and
 * {@code idempotency_keys}. Columns added after the first release are added to an older file when it is opened
 * ({@link DeadLetterRows#migrate}).
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

    private final Connection db;
    /** The dead letters' rows of {@code deliveries}. */
    final DeadLetterRows deadLetters;

    private LogStore(Connection db) {
        this.db = db;
        this.deadLetters = new DeadLetterRows(db);
    }

    /** The connection, for the service tables that share this file ({@link InvalidationLog#read}). */
    Connection connection() {
        return db;
    }

    static LogStore open(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + dataDir + ": " + e.getMessage(), e);
        }
        Path file = dataDir.resolve("invalidations.db");
        try {
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS entries (
                          sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                          kind TEXT NOT NULL, urls TEXT NOT NULL, prefixes TEXT NOT NULL, tags TEXT NOT NULL,
                          hosts TEXT NOT NULL, all_content INTEGER NOT NULL, soft INTEGER NOT NULL,
                          regions TEXT NOT NULL, accepted_at INTEGER NOT NULL, requested_by TEXT NOT NULL)""");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS deliveries (
                          sequence INTEGER NOT NULL REFERENCES entries(sequence), node TEXT NOT NULL,
                          state TEXT NOT NULL, applied_at INTEGER, detail TEXT,
                          PRIMARY KEY (sequence, node))""");
                s.execute("CREATE INDEX IF NOT EXISTS deliveries_by_node ON deliveries(node, state, sequence)");
                DeadLetterRows.migrate(db);
                addConfigColumn(db);
                s.execute("CREATE INDEX IF NOT EXISTS dead_letters ON deliveries(sequence, node) "
                        + "WHERE dead_lettered_at IS NOT NULL");
                s.execute("CREATE INDEX IF NOT EXISTS entries_by_age ON entries(accepted_at)");
                s.execute("CREATE TABLE IF NOT EXISTS compacted (regions TEXT PRIMARY KEY, through INTEGER NOT NULL)");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS idempotency_keys (
                          principal TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,
                          sequence INTEGER NOT NULL, kind TEXT NOT NULL, created_at INTEGER NOT NULL,
                          PRIMARY KEY (principal, key))""");
            }
            return new LogStore(db);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the invalidation log " + file + ": " + e.getMessage(), e);
        }
    }

    /** A {@code config} entry's {@link ServiceChange} as JSON ({@code NULL} on purges and pushes). */
    private static void addConfigColumn(Connection db) throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(entries)")) {
            while (rs.next()) {
                if (rs.getString("name").equals("config")) {
                    return;
                }
            }
        }
        try (Statement s = db.createStatement()) {
            s.execute("ALTER TABLE entries ADD COLUMN config TEXT");
        }
    }

    /** Fills the highest purge or config entry per regions text (what edges must reach) and the compaction marks. */
    void loadMarks(Map<String, Long> due, Map<String, Long> compacted) {
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
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
    }

    /** The highest sequence ever given (kept by sqlite even when those entries were compacted). */
    long lastSequence() {
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT seq FROM sqlite_sequence WHERE name = 'entries'")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
    }

    /** Inserts the entry, its deliveries and its key in one fsynced transaction; returns its sequence. */
    long append(NewEntry entry, Map<String, Delivery.State> deliveries, String requestedBy, Instant now,
            Optional<IdempotencyKey> key) {
        return appendAll(List.of(entry), deliveries, requestedBy, now, key, (db, sequences) -> {
        }).get(0);
    }

    /**
     * Inserts the entries in order (consecutive sequences), each with the same deliveries, then runs
     * {@code alsoWrite} on the same connection, all in one fsynced transaction; returns their sequences.
     */
    List<Long> appendAll(List<NewEntry> entries, Map<String, Delivery.State> deliveries, String requestedBy,
            Instant now, Optional<IdempotencyKey> key, InvalidationLog.AlsoWrite alsoWrite) {
        try {
            durableCommits(true);
            db.setAutoCommit(false);
            List<Long> sequences = new ArrayList<>();
            for (NewEntry entry : entries) {
                sequences.add(insert(entry, deliveries, requestedBy, now));
            }
            if (key.isPresent()) {
                insertKey(key.get(), sequences.get(0), entries.get(0).kind(), now);
            }
            alsoWrite.write(db, sequences);
            db.commit();
            return sequences;
        } catch (SQLException e) {
            rollback();
            throw new IllegalStateException("cannot append to the invalidation log: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            rollback();
            throw e;
        } finally {
            autoCommit();
            durableCommits(false);
        }
    }

    private long insert(NewEntry entry, Map<String, Delivery.State> deliveries, String requestedBy, Instant now)
            throws SQLException {
        long sequence;
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO entries (kind, urls, prefixes, tags, "
                + "hosts, all_content, soft, regions, accepted_at, requested_by, config) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                Statement.RETURN_GENERATED_KEYS)) {
            bind(insert, kindName(entry.kind()), json(entry.urls()), json(entry.prefixes()), json(entry.tags()),
                    json(entry.hosts()), entry.all() ? 1 : 0, entry.soft() ? 1 : 0, regionsText(entry.regions()),
                    now.toEpochMilli(), requestedBy,
                    entry.config() == null ? null : Json.mapper().writeValueAsString(entry.config()));
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                sequence = keys.getLong(1);
            }
        }
        try (PreparedStatement delivery = db.prepareStatement(
                "INSERT INTO deliveries (sequence, node, state, detail) VALUES (?, ?, ?, ?)")) {
            for (Map.Entry<String, Delivery.State> d : deliveries.entrySet()) {
                bind(delivery, sequence, d.getKey(), d.getValue().wireName(),
                        d.getValue() == Delivery.State.FENCED ? "edge fenced (unreachable) when accepted; it "
                                + "revalidates everything when it returns" : null);
                delivery.addBatch();
            }
            delivery.executeBatch();
        }
        return sequence;
    }

    Optional<KeyUse> keyUse(IdempotencyKey key) {
        try (PreparedStatement s = db.prepareStatement("SELECT fingerprint, sequence, kind, created_at FROM "
                + "idempotency_keys WHERE principal = ? AND key = ?")) {
            bind(s, key.principal(), key.key());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(new KeyUse(rs.getString(1), rs.getLong(2), kind(rs.getString(3)),
                        Instant.ofEpochMilli(rs.getLong(4)))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
    }

    void rememberKey(IdempotencyKey key, long sequence, Instant now) {
        Optional<LoggedEntry> entry = entry(sequence);
        try {
            insertKey(key, sequence, entry.map(e -> e.entry().kind()).orElse(Kind.PURGE), now);
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
    }

    private void insertKey(IdempotencyKey key, long sequence, Kind kind, Instant now) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("INSERT OR IGNORE INTO idempotency_keys (principal, key, "
                + "fingerprint, sequence, kind, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            bind(s, key.principal(), key.key(), key.fingerprint(), sequence, kindName(kind), now.toEpochMilli());
            s.executeUpdate();
        }
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

    /** Oldest first after {@code sequence}, in {@code region}, no push accepted before {@code pushCutoffMillis}. */
    InvalidationLog.Page entriesAfter(long sequence, String region, long pushCutoffMillis, int limit, long maxBytes) {
        Slice slice = read("SELECT * FROM entries WHERE sequence > ? AND (regions = '' OR instr(regions, ?) > 0) "
                + "AND NOT (kind = 'push' AND accepted_at < ?) ORDER BY sequence LIMIT ?", limit, maxBytes,
                sequence, "," + region + ",", pushCutoffMillis, limit + 1);
        return new InvalidationLog.Page(slice.entries().stream().map(LoggedEntry::entry).toList(), slice.more());
    }

    List<Delivery> deliveries(long sequence) {
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
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
        return out;
    }

    /**
     * Per node, how many deliveries are pending, behind, failed, expired or dead-lettered ({@link InvalidationLog}); one lookup per
     * node in the {@code (node, state)} index, so the applied majority is never read.
     */
    Map<String, Map<Delivery.State, Long>> unappliedDeliveries(Collection<String> nodes) {
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
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
        return out;
    }

    /** The highest sequence to compact: past the age cut-off, or beyond the newest {@code keep} entries. */
    long compactionPoint(Instant olderThan, long keep) {
        long byAge = longValue("SELECT coalesce(max(sequence), 0) FROM entries WHERE accepted_at < ?",
                olderThan.toEpochMilli());
        long byCount = longValue("SELECT coalesce((SELECT sequence FROM entries ORDER BY sequence DESC LIMIT 1 "
                + "OFFSET ?), 0)", keep);
        return Math.max(byAge, byCount);
    }

    /**
     * Deletes one batch of entries at or below {@code through} (the oldest first) with their deliveries, raising the
     * compaction marks first, in one transaction; returns how many entries went (0 when none are left).
     */
    int compactBatch(long through, Map<String, Long> compacted) {
        long batchEnd = Math.min(through, longValue("SELECT coalesce((SELECT sequence FROM entries WHERE "
                + "sequence <= ? ORDER BY sequence LIMIT 1 OFFSET ?), ?)", through, COMPACTION_BATCH - 1, through));
        try {
            db.setAutoCommit(false);
            List<Map.Entry<String, Long>> marks = new ArrayList<>();
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
                update("INSERT INTO compacted (regions, through) VALUES (?, ?) ON CONFLICT(regions) DO UPDATE SET "
                        + "through = max(through, excluded.through)", mark.getKey(), mark.getValue());
            }
            update("DELETE FROM deliveries WHERE sequence <= ?", batchEnd);
            int deleted = update("DELETE FROM entries WHERE sequence <= ?", batchEnd);
            db.commit();
            marks.forEach(mark -> compacted.merge(mark.getKey(), mark.getValue(), Math::max));
            return deleted;
        } catch (SQLException e) {
            rollback();
            throw InvalidationLog.failed(e);
        } finally {
            autoCommit();
        }
    }

    int update(String sql, Object... args) {
        try (PreparedStatement s = db.prepareStatement(sql)) {
            bind(s, args);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
    }

    void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
    }

    private long longValue(String sql, Object... args) {
        try (PreparedStatement s = db.prepareStatement(sql)) {
            bind(s, args);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
    }

    /**
     * Rows in query order, at most {@code limit}, and no further once {@code maxBytes} of entry lists were taken
     * (the first row always is): an entry is materialised only once it fits, so a cap bounds memory too.
     */
    private Slice read(String sql, int limit, long maxBytes, Object... args) {
        List<LoggedEntry> out = new ArrayList<>();
        long bytes = 0;
        boolean more = false;
        try (PreparedStatement s = db.prepareStatement(sql.replace("SELECT *", "SELECT *, " + SIZE + " AS size"))) {
            bind(s, args);
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
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
        return new Slice(out, more);
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

    static void bind(PreparedStatement s, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            s.setObject(i + 1, args[i]);
        }
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

    private void rollback() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the statement already failed; the caller hears about that
        }
    }

    /** {@code synchronous=FULL} (fsync at commit) for appends, {@code NORMAL} for delivery updates. */
    private void durableCommits(boolean full) {
        try (Statement s = db.createStatement()) {
            s.execute(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
        } catch (SQLException e) {
            throw InvalidationLog.failed(e);
        }
    }

    private void autoCommit() {
        try {
            db.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the next statement fails loudly if the connection is unusable
        }
    }
}
