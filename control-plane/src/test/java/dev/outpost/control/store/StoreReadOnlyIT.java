package dev.outpost.control.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.outpost.common.http.ErrorStatuses;
import dev.outpost.common.problem.Problem;
import dev.outpost.control.StoreSettings;
import dev.outpost.testkit.ReadOnlyMount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQLite on a file system gone read-only, as the control plane's store meets it: its answers become 503s naming the
 * database (before, a 500 {@code internal_error}), as for a PostgreSQL server that takes no writes
 * (PostgresStoreIT). The kernel refuses to remount a file system read-only while a file there is open for writing,
 * so the statements here run on connections opened after the remount, which is what the store's pool does once its
 * connections to a database on a failed disk are replaced.
 */
class StoreReadOnlyIT {
    @TempDir
    Path dir;
    private Path data;

    @BeforeEach
    void createData() throws Exception {
        data = Files.createDirectories(dir.resolve("data"));
    }

    private static SQLException refusedInsert(Path file) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement statement = connection.createStatement()) {
            return catchThrowableOfType(SQLException.class,
                    () -> statement.executeUpdate("INSERT INTO notes VALUES ('x')"));
        }
    }

    private Problem answer(SQLException refused) {
        try (Store store = Store.open(StoreSettings.sqlite(dir.resolve("other.db")), dir)) {
            RuntimeException answer = store.failed("append a purge", refused);
            assertThat(answer).as(String.valueOf(refused)).isInstanceOf(Problem.class);
            Problem problem = (Problem) answer;
            assertThat(ErrorStatuses.status(problem.kind())).isEqualTo(503);
            assertThat(problem.getMessage()).contains("append a purge", "nothing was recorded");
            assertThat(problem.retryAfter()).isPresent();
            return problem;
        }
    }

    @Test
    void aWriteSqliteCanOnlyReadIs503StoreReadOnly() throws Exception {
        Path file = data.resolve("plain.db"); // a rollback journal: SQLite opens it read-only on such a disk
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement statement = connection.createStatement()) {
            statement.executeUpdate("CREATE TABLE notes (note TEXT)");
        }
        try (ReadOnlyMount readOnly = ReadOnlyMount.over(data)) {
            Problem problem = answer(refusedInsert(file));
            assertThat(problem.code()).isEqualTo("store_read_only");
            assertThat(problem.getMessage()).contains("read-only", "SQLITE_READONLY");
        }
    }

    @Test
    void theStoresOwnDatabaseThatCannotBeOpenedThereIs503StoreUnavailable() throws Exception {
        Path file = data.resolve(StoreSettings.DEFAULT_FILE);
        try (Store store = Store.open(StoreSettings.sqlite(file), data)) {
            store.update("create a table", "CREATE TABLE notes (note TEXT)");
        }
        try (ReadOnlyMount readOnly = ReadOnlyMount.over(data)) {
            // Write-ahead logging needs its -shm file created beside the database, which a read-only disk refuses.
            Problem problem = answer(refusedInsert(file));
            assertThat(problem.code()).isEqualTo("store_unavailable");
            assertThat(problem.getMessage()).contains("SQLITE_CANTOPEN");
        }
    }

    @Test
    void postgresqlsReadOnlyTransactionIsRecognisedAndOtherFailuresAreNot() {
        assertThat(answer(new SQLException("cannot execute INSERT in a read-only transaction", "25006")).code())
                .isEqualTo("store_read_only");
        try (Store store = Store.open(StoreSettings.sqlite(dir.resolve("s.db")), dir)) {
            assertThat(store.failed("x", new SQLException("duplicate key", "23505"))).isNotInstanceOf(Problem.class);
        }
    }
}
