package dev.outpost.control.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * Migration 2: copies the state of a control plane from before the store (four SQLite files in its data directory:
 * {@code invalidations.db}, {@code nodes.db}, {@code joins.db}, {@code traffic.db}) into the new schema, whichever
 * engine it is on, in the migration's transaction, so an upgraded control plane keeps its log, its sequence, its
 * nodes, unused join tokens and statistics. Runs once per database (Flyway records it); a data directory without
 * those files imports nothing. Columns an older file lacks take their defaults; the files are left where they are
 * (docs/store.md, "Upgrading": delete them once the upgrade is known good).
 */
final class ImportEarlierSqliteFiles implements JavaMigration {
    private static final System.Logger LOG = System.getLogger(ImportEarlierSqliteFiles.class.getName());
    /** Each earlier file and the tables it held (the schema has no foreign keys, so any order will do). */
    static final Map<String, List<String>> FILES = Map.of(
            "invalidations.db", List.of("entries", "deliveries", "compacted", "idempotency_keys"),
            "nodes.db", List.of("nodes"),
            "joins.db", List.of("join_tokens"),
            "traffic.db", List.of("traffic", "traffic_batches"));

    private final Path dataDir;

    ImportEarlierSqliteFiles(Path dataDir) {
        this.dataDir = dataDir;
    }

    @Override
    public MigrationVersion getVersion() {
        return MigrationVersion.fromVersion("2");
    }

    @Override
    public String getDescription() {
        return "import sqlite files of earlier versions";
    }

    @Override
    public Integer getChecksum() {
        return 2;
    }

    @Override
    public boolean canExecuteInTransaction() {
        return true;
    }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection target = context.getConnection();
        for (Map.Entry<String, List<String>> file : FILES.entrySet()) {
            Path path = dataDir.resolve(file.getKey());
            if (!Files.isRegularFile(path)) {
                continue;
            }
            try (Connection source = DriverManager.getConnection("jdbc:sqlite:" + path.toAbsolutePath())) {
                for (String table : file.getValue()) {
                    long rows = copy(source, target, table);
                    LOG.log(System.Logger.Level.INFO, "store: imported {0} rows of {1} from {2}", rows, table, path);
                }
                if (file.getKey().equals("invalidations.db")) {
                    // The highest sequence ever given, kept by sqlite even when compaction deleted those entries.
                    long last = Store.longValue(source, "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE "
                            + "name = 'entries'), (SELECT max(sequence) FROM entries), 0)");
                    Store.update(target, "UPDATE sequences SET last = ? WHERE name = 'invalidation_log'", last);
                }
            }
        }
    }

    /** Copies the rows of {@code table}, the columns both sides have; returns how many. */
    private static long copy(Connection source, Connection target, String table) throws SQLException {
        Set<String> columns = columns(source, table);
        if (columns.isEmpty()) {
            return 0; // a file from before this table existed
        }
        columns.retainAll(targetColumns(target, table));
        String names = String.join(", ", columns);
        String marks = String.join(", ", columns.stream().map(c -> "?").toList());
        long rows = 0;
        try (Statement read = source.createStatement();
                ResultSet from = read.executeQuery("SELECT " + names + " FROM " + table);
                PreparedStatement insert = target.prepareStatement("INSERT INTO " + table + " (" + names
                        + ") VALUES (" + marks + ")")) {
            while (from.next()) {
                for (int i = 1; i <= columns.size(); i++) {
                    insert.setObject(i, from.getObject(i));
                }
                insert.addBatch();
                if (++rows % 1_000 == 0) {
                    insert.executeBatch();
                }
            }
            insert.executeBatch();
        }
        return rows;
    }

    private static Set<String> columns(Connection source, String table) throws SQLException {
        Set<String> out = new LinkedHashSet<>();
        try (Statement s = source.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) {
                out.add(rs.getString("name"));
            }
        }
        return out;
    }

    private static List<String> targetColumns(Connection target, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = target.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0")) {
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                out.add(rs.getMetaData().getColumnName(i).toLowerCase(java.util.Locale.ROOT));
            }
        }
        return out;
    }
}
