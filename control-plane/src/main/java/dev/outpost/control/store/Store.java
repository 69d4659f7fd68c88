package dev.outpost.control.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.outpost.common.problem.DeviceFull;
import dev.outpost.common.problem.ReadOnlyStorage;
import dev.outpost.common.problem.Problem;
import dev.outpost.control.StoreSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The control plane's one database (docs/store.md): a connection pool (HikariCP) over an embedded SQLite file or a
 * PostgreSQL server, its schema brought up to date by Flyway from {@code dev/outpost/control/store/migration} when it
 * opens. Every repository (the invalidation log, the node store, join tokens, traffic statistics) runs its SQL
 * through {@link #read}, {@link #transaction} or {@link #update}, each on a connection borrowed for that call only,
 * so a database that restarted is reconnected by the pool and never by the repositories. A database that cannot be
 * reached within {@code store.connectTimeout} makes the call fail with {@link Problem.Kind#UNAVAILABLE} {@code
 * store_unavailable} (503): nothing was written, the caller may ask again. What differs between the engines is in
 * {@link Dialect}, nowhere else.
 */
public final class Store implements AutoCloseable {
    private static final String ALIVE_BYPASS_WINDOW = "com.zaxxer.hikari.aliveBypassWindowMs";
    static {
        // HikariCP hands out a connection used in the last 500 ms without checking it. After a database restart
        // such a connection is dead, and the first purge would fail with 503 although the database is back:
        // check every borrowed connection (one round trip on PostgreSQL, nothing on SQLite). Read by HikariPool
        // once, when it loads, which is after this class (the only one that uses it).
        if (System.getProperty(ALIVE_BYPASS_WINDOW) == null) {
            System.setProperty(ALIVE_BYPASS_WINDOW, "0");
        }
    }

    /** Where the migrations live, SQL files and the Java import of earlier files alike. */
    static final String MIGRATIONS = "classpath:dev/outpost/control/store/migration";

    /** SQL run on a borrowed connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Whether a transaction must be on disk when it commits, or may be lost with the last moments before a crash. */
    public enum Durability {
        /** fsynced at commit (the log's appends, join tokens). */
        DURABLE,
        /** advisory state whose last write may be lost in a power cut (deliveries, nodes, statistics). */
        ADVISORY
    }

    /** The PostgreSQL channel every append notifies inside its transaction ({@link #notifyChanged}). */
    public static final String CHANGES_CHANNEL = "outpost_changes";

    private final HikariDataSource pool;
    private final Dialect dialect;
    private final String name;
    private final StoreSettings settings;

    private Store(HikariDataSource pool, Dialect dialect, String name, StoreSettings settings) {
        this.pool = pool;
        this.dialect = dialect;
        this.name = name;
        this.settings = settings;
    }

    /**
     * Opens the pool and migrates the schema; {@code dataDir} holds the SQLite file by default and the files of
     * earlier versions that the first migration imports (docs/store.md, "Upgrading").
     */
    public static Store open(StoreSettings settings, Path dataDir) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("outpost-store");
        config.setMaximumPoolSize(settings.poolSize());
        config.setConnectionTimeout(settings.connectTimeout().toMillis());
        config.setInitializationFailTimeout(settings.connectTimeout().toMillis());
        // a dead server's connection is noticed at the next borrow, not minutes later
        config.setValidationTimeout(Math.min(settings.connectTimeout().toMillis(), Duration.ofSeconds(2).toMillis()));
        Dialect dialect;
        String name;
        if (settings.engine().equals(StoreSettings.POSTGRESQL)) {
            dialect = Dialect.POSTGRESQL;
            name = "postgresql " + settings.url().orElseThrow();
            config.setJdbcUrl(settings.url().get());
            settings.user().ifPresent(config::setUsername);
            settings.passwordFile().ifPresent(file -> config.setPassword(password(Path.of(file))));
        } else {
            dialect = Dialect.SQLITE;
            Path file = settings.sqliteFile(dataDir).toAbsolutePath();
            name = "sqlite " + file;
            createDirectories(file.getParent());
            config.setDataSource(sqliteSource(file));
        }
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            throw new IllegalStateException("cannot open the store (" + name + "): " + rootMessage(e), e);
        }
        Store store = new Store(pool, dialect, name, settings);
        try {
            Flyway.configure().dataSource(pool).locations(MIGRATIONS)
                    .javaMigrations(new ImportEarlierSqliteFiles(dataDir)).load().migrate();
        } catch (FlywayException | IllegalStateException e) {
            store.close();
            throw new IllegalStateException("cannot migrate the store (" + name + "): " + rootMessage(e), e);
        }
        return store;
    }

    private static SQLiteDataSource sqliteSource(Path file) {
        SQLiteConfig sqlite = new SQLiteConfig();
        sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
        sqlite.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        sqlite.setBusyTimeout(5_000);
        // A transaction takes the write lock when it begins: two pooled connections that both read and then write
        // would otherwise fail at once with SQLITE_BUSY instead of waiting the busy timeout.
        sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        SQLiteDataSource source = new SQLiteDataSource(sqlite);
        source.setUrl("jdbc:sqlite:" + file);
        return source;
    }

    private static String password(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("store.passwordFile " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the store's directory " + dir + ": " + e.getMessage(), e);
        }
    }

    public Dialect dialect() {
        return dialect;
    }

    /**
     * Whether several control planes may share this store (PostgreSQL): then what one process keeps in memory is
     * refreshed from the database ({@code ChangeFeed}); an SQLite file belongs to one control plane (a file lock).
     */
    public boolean shared() {
        return dialect == Dialect.POSTGRESQL;
    }

    public StoreSettings settings() {
        return settings;
    }

    /**
     * A connection of its own, outside the pool (PostgreSQL only): the change feed's {@code LISTEN} must stay on one
     * session, which a pooled connection handed back after each call cannot promise. The caller closes it.
     */
    public Connection dedicatedConnection() throws SQLException {
        if (!shared()) {
            throw new IllegalStateException("a dedicated connection is only opened to PostgreSQL, not " + name);
        }
        java.util.Properties properties = new java.util.Properties();
        settings.user().ifPresent(user -> properties.setProperty("user", user));
        settings.passwordFile().ifPresent(file -> properties.setProperty("password", password(Path.of(file))));
        properties.setProperty("connectTimeout", Long.toString(Math.max(1, settings.connectTimeout().toSeconds())));
        properties.setProperty("ApplicationName", "outpost change feed");
        return java.sql.DriverManager.getConnection(settings.url().orElseThrow(), properties);
    }

    /**
     * Inside the caller's transaction, tells every control plane listening on {@link #CHANGES_CHANNEL} that
     * {@code what} changed; PostgreSQL delivers it when (and only if) the transaction commits. Nothing on SQLite
     * (one control plane, which knows what it wrote).
     */
    public void notifyChanged(Connection connection, String what) throws SQLException {
        if (shared()) {
            try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
                bind(notify, CHANGES_CHANNEL, what);
                notify.execute();
            }
        }
    }

    /** {@code sqlite <file>} or {@code postgresql <url>}, for messages. */
    public String name() {
        return name;
    }

    /** Runs {@code work} on a connection in auto-commit mode; {@code what} names the caller in errors. */
    public <T> T read(String what, Work<T> work) {
        try (Connection connection = pool.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw failed(what, e);
        }
    }

    /** Runs {@code work} in one transaction, committed when it returns and rolled back when it throws. */
    public <T> T transaction(String what, Durability durability, Work<T> work) {
        try (Connection connection = pool.getConnection()) {
            dialect.beginTransaction(connection, durability);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollback(connection);
                throw e;
            } finally {
                restore(connection, durability);
            }
        } catch (SQLException e) {
            throw failed(what, e);
        }
    }

    /**
     * Back to auto-commit (and SQLite's usual durability) before the connection returns to the pool; on a broken
     * connection this fails too, and must not hide why the work failed: the pool discards such a connection.
     */
    private void restore(Connection connection, Durability durability) {
        try {
            dialect.endTransaction(connection, durability);
        } catch (SQLException ignored) {
            // see above
        }
    }

    /** One statement in auto-commit mode; returns the rows changed. */
    public int update(String what, String sql, Object... args) {
        return read(what, connection -> update(connection, sql, args));
    }

    /** One statement on a connection the caller holds (inside {@link #transaction}). */
    public static int update(Connection connection, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, args);
            return statement.executeUpdate();
        }
    }

    /** The first column of the first row as a long; 0 when there is no row. */
    public static long longValue(Connection connection, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, args);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        }
    }

    public static void bind(PreparedStatement statement, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            statement.setObject(i + 1, args[i]);
        }
    }

    /**
     * The next number of the gap-free sequence {@code name}, inside the caller's transaction: the counter's row is
     * updated in place, so a concurrent transaction (another connection or another control plane) waits on its lock
     * until this one commits or rolls back, and a rolled-back number is handed out again (no gap, no duplicate).
     */
    public static long nextInSequence(Connection connection, String name) throws SQLException {
        try (PreparedStatement next = connection.prepareStatement(
                "UPDATE sequences SET last = last + 1 WHERE name = ? RETURNING last")) {
            next.setString(1, name);
            try (ResultSet rows = next.executeQuery()) {
                if (!rows.next()) {
                    throw new SQLException("sequence '" + name + "' is missing from the sequences table");
                }
                return rows.getLong(1);
            }
        }
    }

    /** The last number the sequence handed out (0 before the first). */
    public static long lastInSequence(Connection connection, String name) throws SQLException {
        return longValue(connection, "SELECT last FROM sequences WHERE name = ?", name);
    }

    /**
     * What a failed statement becomes: 507 {@code store_full} when its disk is full, 503 {@code store_read_only} when
     * it takes no writes ({@link ReadOnlyStorage}), 503 {@code store_unavailable} when the database cannot be reached
     * (the pool timed out, the connection broke, the server is shutting down), otherwise an internal error naming
     * the caller.
     */
    public RuntimeException failed(String what, SQLException e) {
        if (full(e)) {
            return new Problem(Problem.Kind.INSUFFICIENT_STORAGE, "store_full", "the control plane's database ("
                    + name + ") has no room left on its disk (" + what + "): " + rootMessage(e)
                    + "; nothing was recorded, ask again once space is freed there");
        }
        if (ReadOnlyStorage.is(e)) {
            return new Problem(Problem.Kind.UNAVAILABLE, "store_read_only", "the control plane's database (" + name
                    + ") takes no writes (" + what + "): " + rootMessage(e) + "; nothing was recorded: it runs "
                    + "read-only (a standby server, default_transaction_read_only, or a read-only file system); ask "
                    + "again once it takes writes", Optional.of(Duration.ofSeconds(5)));
        }
        if (unreachable(e)) {
            return new Problem(Problem.Kind.UNAVAILABLE, "store_unavailable", "the control plane's database ("
                    + name + ") cannot be reached (" + what + "): " + rootMessage(e) + "; nothing was recorded, "
                    + "ask again once it is back", Optional.of(Duration.ofSeconds(5)));
        }
        return new IllegalStateException(what + ": " + e.getMessage(), e);
    }

    /** Whether the database's disk is full ({@link DeviceFull}: SQLITE_FULL, disk_full, or the device's error). */
    static boolean full(SQLException e) {
        return DeviceFull.is(e);
    }

    private static boolean unreachable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true; // connection exception; admin shutdown / crash shutdown / cannot connect now
            }
            if (t instanceof SQLException sql && (sql.getErrorCode() & 0xff) == SQLITE_CANTOPEN
                    && sql.getMessage() != null && sql.getMessage().contains("SQLITE_CANTOPEN")) {
                return true; // SQLite's file (or its WAL beside it) cannot be opened: gone, or its disk read-only
            }
        }
        return false;
    }

    /** SQLite's result code for a database file it cannot open. */
    private static final int SQLITE_CANTOPEN = 14;

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e || root.getMessage() == null ? String.valueOf(e.getMessage())
                : e.getMessage() + " (" + root.getMessage() + ")";
    }

    private static void rollback(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the work already failed; the caller hears about that, and the pool discards a broken connection
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
