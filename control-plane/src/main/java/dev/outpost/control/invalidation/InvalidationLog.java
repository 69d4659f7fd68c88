package dev.outpost.control.invalidation;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.type.TypeReference;

/**
 * The durable, ordered log of purges and pushes, and every edge's delivery state for each entry.
 *
 * <p><b>Design note.</b> One sqlite file ({@code invalidations.db}) in the data directory, WAL journal. An
 * {@link #append} commits with {@code synchronous=FULL}: it is on disk (the WAL fsynced) before it returns, and the
 * API answers 202 only after that, so an acknowledged purge survives a crash of the control plane. Delivery updates
 * (acks, behind) commit with {@code synchronous=NORMAL}, without an fsync of their own (six fsyncs per purge on six
 * edges were a third of its time to complete, bench SixEdgePurge): one lost in a crash is recovered like any
 * pending delivery (marked behind at restart, set applied from the edge's next heartbeat), and the next append's
 * fsync makes every earlier WAL frame durable too. An entry and its
 * {@code pending} deliveries (one per edge in scope at that moment) are written in the same transaction, so after a
 * restart the history, the sequence and the pending acks are exactly as acknowledged. Sequences come from an
 * {@code AUTOINCREMENT} key: strictly increasing, never reused, even across restarts. Regions are stored as
 * {@code ",eu,us,"} ({@code ""} = every region) so catch-up queries filter in SQL.
 *
 * <p>One connection, every method synchronized on the log: sqlite serializes writers anyway, and purges are rare
 * next to requests. The highest purge sequence per region (what an edge must reach before it is steered traffic)
 * is kept in memory, loaded at open and updated on append, because steering asks for it on every request, on
 * the IO thread: {@link #dueSequence} and {@link #lastSequence} take no lock, so an fsync never stalls a redirect.
 * {@link #awaitComplete} waits on the same monitor, woken by every delivery change.
 */
public final class InvalidationLog implements AutoCloseable {
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    private final Connection db;
    private final Clock clock;
    /** Highest purge sequence per stored regions text ("" = all regions). */
    private final Map<String, Long> duePerRegions = new ConcurrentHashMap<>();
    private volatile long lastSequence;
    private boolean closed;

    private InvalidationLog(Connection db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Opens (creating if needed) the log in {@code dataDir}. */
    public static InvalidationLog open(Path dataDir, Clock clock) {
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
            }
            InvalidationLog log = new InvalidationLog(db, clock);
            log.loadTotals();
            return log;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the invalidation log " + file + ": " + e.getMessage(), e);
        }
    }

    private void loadTotals() throws SQLException {
        try (Statement s = db.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT regions, max(sequence) FROM entries WHERE kind = 'purge' "
                    + "GROUP BY regions")) {
                while (rs.next()) {
                    duePerRegions.put(rs.getString(1), rs.getLong(2));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT seq FROM sqlite_sequence WHERE name = 'entries'")) {
                lastSequence = rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /**
     * Appends an entry with the next sequence and a {@code pending} delivery for each of {@code nodes}, in one
     * durable transaction; returns once it is on disk.
     */
    public synchronized LoggedEntry append(NewEntry entry, List<String> nodes, String requestedBy) {
        Instant now = clock.instant();
        try {
            durableCommits(true);
            db.setAutoCommit(false);
            long sequence;
            try (PreparedStatement insert = db.prepareStatement("INSERT INTO entries (kind, urls, prefixes, tags, "
                    + "hosts, all_content, soft, regions, accepted_at, requested_by) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                insert.setString(1, kindName(entry.kind()));
                insert.setString(2, json(entry.urls()));
                insert.setString(3, json(entry.prefixes()));
                insert.setString(4, json(entry.tags()));
                insert.setString(5, json(entry.hosts()));
                insert.setInt(6, entry.all() ? 1 : 0);
                insert.setInt(7, entry.soft() ? 1 : 0);
                insert.setString(8, regionsText(entry.regions()));
                insert.setLong(9, now.toEpochMilli());
                insert.setString(10, requestedBy);
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    keys.next();
                    sequence = keys.getLong(1);
                }
            }
            try (PreparedStatement delivery = db.prepareStatement(
                    "INSERT INTO deliveries (sequence, node, state) VALUES (?, ?, 'pending')")) {
                for (String node : nodes) {
                    delivery.setLong(1, sequence);
                    delivery.setString(2, node);
                    delivery.addBatch();
                }
                delivery.executeBatch();
            }
            db.commit();
            lastSequence = sequence;
            if (entry.kind() == Kind.PURGE) {
                duePerRegions.merge(regionsText(entry.regions()), sequence, Math::max);
            }
            notifyAll();
            return new LoggedEntry(entry.withSequence(sequence), now, requestedBy);
        } catch (SQLException e) {
            rollback();
            throw new IllegalStateException("cannot append to the invalidation log: " + e.getMessage(), e);
        } finally {
            autoCommit();
            durableCommits(false);
        }
    }

    public synchronized Optional<LoggedEntry> entry(long sequence) {
        List<LoggedEntry> found = query("SELECT * FROM entries WHERE sequence = ?", sequence);
        return found.stream().findFirst();
    }

    /** The newest entries of a kind, newest first. */
    public synchronized List<LoggedEntry> recent(Kind kind, int limit) {
        return query("SELECT * FROM entries WHERE kind = ? ORDER BY sequence DESC LIMIT ?", kindName(kind), limit);
    }

    /** Entries after {@code sequence} that reach {@code region}, oldest first, at most {@code limit}. */
    public synchronized List<InvalidationEntry> entriesAfter(long sequence, String region, int limit) {
        return query("SELECT * FROM entries WHERE sequence > ? AND (regions = '' OR instr(regions, ?) > 0) "
                + "ORDER BY sequence LIMIT ?", sequence, "," + region + ",", limit)
                .stream().map(LoggedEntry::entry).toList();
    }

    /** The highest purge sequence reaching {@code region}: what an edge there must have applied to be caught up. */
    public long dueSequence(String region) {
        long due = 0;
        String needle = "," + region + ",";
        for (Map.Entry<String, Long> e : duePerRegions.entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().contains(needle)) {
                due = Math.max(due, e.getValue());
            }
        }
        return due;
    }

    public long lastSequence() {
        return lastSequence;
    }

    public synchronized List<Delivery> deliveries(long sequence) {
        List<Delivery> out = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(
                "SELECT node, state, applied_at, detail FROM deliveries WHERE sequence = ? ORDER BY node")) {
            s.setLong(1, sequence);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    long applied = rs.getLong(3);
                    Optional<Instant> appliedAt = rs.wasNull() ? Optional.empty()
                            : Optional.of(Instant.ofEpochMilli(applied));
                    out.add(new Delivery(rs.getString(1),
                            Delivery.State.valueOf(rs.getString(2).toUpperCase(java.util.Locale.ROOT)), appliedAt,
                            Optional.ofNullable(rs.getString(4))));
                }
            }
        } catch (SQLException e) {
            throw failed(e);
        }
        return out;
    }

    public synchronized EntryStatus status(long sequence) {
        return EntryStatus.of(deliveries(sequence));
    }

    /** Records that {@code node} applied entry {@code sequence} (a live push was acked). */
    public synchronized void markApplied(long sequence, String node) {
        markApplied(sequence, node, Optional.empty());
    }

    /** Records that {@code node} applied entry {@code sequence}, with what it reported (a push's results). */
    public synchronized void markApplied(long sequence, String node, Optional<String> detail) {
        update("UPDATE deliveries SET state = 'applied', applied_at = ?, detail = ? "
                + "WHERE sequence = ? AND node = ? AND state != 'applied'", clock.instant().toEpochMilli(),
                detail.orElse(null), sequence, node);
    }

    /** Records that {@code node} applied every entry up to {@code sequence} (reported in a heartbeat). */
    public synchronized int markAppliedUpTo(String node, long sequence) {
        return update("UPDATE deliveries SET state = 'applied', applied_at = ?, detail = NULL "
                + "WHERE node = ? AND sequence <= ? AND state != 'applied'", clock.instant().toEpochMilli(), node,
                sequence);
    }

    /** A node left the registry: its deliveries not yet applied are no longer waited for. */
    public synchronized int markRemoved(String node) {
        return update("UPDATE deliveries SET state = 'removed', detail = 'node removed from the registry' "
                + "WHERE node = ? AND state != 'applied'", node);
    }

    /** Marks every delivery still pending as behind, with the reason; returns how many. */
    public synchronized int markPendingBehind(String reason) {
        return update("UPDATE deliveries SET state = 'behind', detail = ? WHERE state = 'pending'", reason);
    }

    /** Records that {@code node} did not get entry {@code sequence} live; it catches up on its heartbeat. */
    public synchronized void markBehind(long sequence, String node, String reason) {
        update("UPDATE deliveries SET state = 'behind', detail = ? WHERE sequence = ? AND node = ? "
                + "AND state = 'pending'", reason, sequence, node);
    }

    /** Blocks until entry {@code sequence} is complete or {@code timeout} passes; returns its status then. */
    public synchronized EntryStatus awaitComplete(long sequence, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        EntryStatus status = status(sequence);
        while (status != EntryStatus.COMPLETE && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
            status = status(sequence);
        }
        return status;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        notifyAll();
        try {
            db.close();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    private int update(String sql, Object... args) {
        try (PreparedStatement s = db.prepareStatement(sql)) {
            bind(s, args);
            int changed = s.executeUpdate();
            if (changed > 0) {
                notifyAll();
            }
            return changed;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    private List<LoggedEntry> query(String sql, Object... args) {
        List<LoggedEntry> out = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            bind(s, args);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String regions = rs.getString("regions");
                    InvalidationEntry entry = new InvalidationEntry(rs.getLong("sequence"),
                            "push".equals(rs.getString("kind")) ? Kind.PUSH : Kind.PURGE,
                            strings(rs.getString("urls")), strings(rs.getString("prefixes")),
                            strings(rs.getString("tags")), strings(rs.getString("hosts")),
                            rs.getInt("all_content") != 0, rs.getInt("soft") != 0,
                            regions.isEmpty() ? List.of() : List.of(regions.substring(1).split(",")));
                    out.add(new LoggedEntry(entry, Instant.ofEpochMilli(rs.getLong("accepted_at")),
                            rs.getString("requested_by")));
                }
            }
        } catch (SQLException e) {
            throw failed(e);
        }
        return out;
    }

    private static void bind(PreparedStatement s, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            s.setObject(i + 1, args[i]);
        }
    }

    private static String kindName(Kind kind) {
        return kind == Kind.PUSH ? "push" : "purge";
    }

    private static String regionsText(List<String> regions) {
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
            // the append already failed; the caller hears about that
        }
    }

    /** {@code synchronous=FULL} (fsync at commit) for appends, {@code NORMAL} for delivery updates. */
    private void durableCommits(boolean full) {
        try (Statement s = db.createStatement()) {
            s.execute(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    private void autoCommit() {
        try {
            db.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the next statement fails loudly if the connection is unusable
        }
    }

    private static IllegalStateException failed(SQLException e) {
        return new IllegalStateException("invalidation log: " + e.getMessage(), e);
    }
}
