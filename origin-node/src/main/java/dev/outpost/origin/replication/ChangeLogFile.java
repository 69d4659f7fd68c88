package dev.outpost.origin.replication;

import dev.outpost.common.wire.ChangeNotice;
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
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The sqlite file behind a {@link ChangeLog} ({@code changes.db}, WAL journal): the entries, the epochs and a few
 * keys ({@code log}, {@code base}, {@code synced}). One connection; the log calls it under its own lock. Commits
 * fsync ({@code synchronous=FULL}) unless {@link #durableCommits} was switched off for a kind of write.
 */
final class ChangeLogFile implements AutoCloseable {
    static final String FILE_NAME = "changes.db";

    private final Connection db;
    private boolean durable = true;

    private ChangeLogFile(Connection db) {
        this.db = db;
    }

    /**
     * Opens (creating) the file in {@code directory}.
     *
     * @throws UncheckedIOException naming the directory and the setting that moves it, when it cannot be used
     */
    static ChangeLogFile open(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("the replication log directory " + directory + " cannot be created ("
                    + e + "); set replication.directory to a writable place", e);
        }
        Path file = directory.resolve(FILE_NAME);
        try {
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS changes (
                          sequence INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, event TEXT NOT NULL,
                          path TEXT NOT NULL, digest TEXT, size INTEGER NOT NULL, at INTEGER NOT NULL)""");
                s.execute("CREATE TABLE IF NOT EXISTS epochs (epoch INTEGER PRIMARY KEY, "
                        + "first_sequence INTEGER NOT NULL)");
            }
            return new ChangeLogFile(db);
        } catch (SQLException e) {
            throw new UncheckedIOException("cannot open the replication log " + file + " (" + e.getMessage()
                    + "); set replication.directory to a writable place", new IOException(e));
        }
    }

    /** Whether the next commits fsync; a no-op when already so. */
    void durableCommits(boolean fsync) throws SQLException {
        if (fsync != durable) {
            try (Statement s = db.createStatement()) {
                s.execute(fsync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
            }
            durable = fsync;
        }
    }

    Optional<String> meta(String key) throws SQLException {
        try (PreparedStatement select = db.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            select.setString(1, key);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    void putMeta(String key, String value) throws SQLException {
        try (PreparedStatement upsert = db.prepareStatement("INSERT INTO meta (key, value) VALUES (?, ?) "
                + "ON CONFLICT(key) DO UPDATE SET value = excluded.value")) {
            upsert.setString(1, key);
            upsert.setString(2, value);
            upsert.executeUpdate();
        }
    }

    /** Epoch → first sequence. */
    SortedMap<Long, Long> epochs() throws SQLException {
        SortedMap<Long, Long> epochs = new TreeMap<>();
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery("SELECT epoch, first_sequence FROM epochs")) {
            while (rs.next()) {
                epochs.put(rs.getLong(1), rs.getLong(2));
            }
        }
        return epochs;
    }

    void putEpoch(long epoch, long firstSequence) throws SQLException {
        try (PreparedStatement upsert = db.prepareStatement("INSERT INTO epochs (epoch, first_sequence) VALUES "
                + "(?, ?) ON CONFLICT(epoch) DO UPDATE SET first_sequence = excluded.first_sequence")) {
            upsert.setLong(1, epoch);
            upsert.setLong(2, firstSequence);
            upsert.executeUpdate();
        }
    }

    /** The highest stored sequence, 0 when none. */
    long maxSequence() throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT max(sequence) FROM changes")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    void insert(ChangeEntry entry) throws SQLException {
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO changes (sequence, epoch, event, path, "
                + "digest, size, at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            insert.setLong(1, entry.sequence());
            insert.setLong(2, entry.epoch());
            insert.setString(3, entry.event().name());
            insert.setString(4, entry.path());
            insert.setString(5, entry.digest().orElse(null));
            insert.setLong(6, entry.size());
            insert.setLong(7, entry.at().toEpochMilli());
            insert.executeUpdate();
        }
    }

    /** Entries with {@code after < sequence <= upTo}, oldest first, at most {@code limit}. */
    List<ChangeEntry> between(long after, long upTo, int limit) throws SQLException {
        List<ChangeEntry> entries = new ArrayList<>();
        try (PreparedStatement select = db.prepareStatement("SELECT sequence, epoch, event, path, digest, size, at "
                + "FROM changes WHERE sequence > ? AND sequence <= ? ORDER BY sequence LIMIT ?")) {
            select.setLong(1, after);
            select.setLong(2, upTo);
            select.setInt(3, limit);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    entries.add(new ChangeEntry(rs.getLong(1), rs.getLong(2),
                            ChangeNotice.Event.valueOf(rs.getString(3)), rs.getString(4),
                            Optional.ofNullable(rs.getString(5)), rs.getLong(6), Instant.ofEpochMilli(rs.getLong(7))));
                }
            }
        }
        return entries;
    }

    /** Deletes the entries up to {@code sequence} and makes it the base, in one transaction. */
    void forgetUpTo(long sequence) throws SQLException {
        transaction(() -> {
            try (PreparedStatement delete = db.prepareStatement("DELETE FROM changes WHERE sequence <= ?")) {
                delete.setLong(1, sequence);
                delete.executeUpdate();
            }
            putMeta("base", Long.toString(sequence));
        });
    }

    /** Forgets every entry and epoch, and continues as log {@code log} from {@code base}, in one transaction. */
    void restart(String log, Map<Long, Long> epochs, long base) throws SQLException {
        transaction(() -> {
            try (Statement s = db.createStatement()) {
                s.execute("DELETE FROM changes");
                s.execute("DELETE FROM epochs");
            }
            for (Map.Entry<Long, Long> epoch : epochs.entrySet()) {
                putEpoch(epoch.getKey(), epoch.getValue());
            }
            putMeta("log", log);
            putMeta("base", Long.toString(base));
        });
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException e) {
            // closing anyway
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws SQLException;
    }

    private void transaction(Work work) throws SQLException {
        db.setAutoCommit(false);
        try {
            work.run();
            db.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                db.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }
}
