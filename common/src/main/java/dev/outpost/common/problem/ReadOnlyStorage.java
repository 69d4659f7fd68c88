package dev.outpost.common.problem;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.ReadOnlyFileSystemException;
import java.sql.SQLException;

/**
 * Tells a write refused because its storage takes no writes at all from other I/O failures: a file system mounted
 * read-only, or remounted so by the kernel after disk errors (ext4's {@code errors=remount-ro}; Java reports EROFS as
 * a {@link FileSystemException} carrying the C library's message), a SQLite database that can only be read
 * ({@code SQLITE_READONLY}, result code 8, also what SQLite answers on such a file system), or a PostgreSQL server
 * that runs read-only transactions only (a hot standby, or {@code default_transaction_read_only}: SQLState 25006).
 * Like a full device ({@link DeviceFull}) it is an operator's matter with its own answer (503 naming the storage),
 * not a fault of the code, and nothing was changed.
 */
public final class ReadOnlyStorage {
    /** SQLite's result code for a write to a database it can only read. */
    private static final int SQLITE_READONLY = 8;
    /** PostgreSQL's {@code read_only_sql_transaction}. */
    private static final String PG_READ_ONLY_TRANSACTION = "25006";

    private ReadOnlyStorage() {
    }

    /** Whether {@code failure}, or one of its causes, says the storage written to is read-only. */
    public static boolean is(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ReadOnlyFileSystemException) {
                return true;
            }
            String message = t.getMessage();
            if (t instanceof IOException && message != null && message.contains("Read-only file system")) {
                return true;
            }
            if (t instanceof SQLException sql && (PG_READ_ONLY_TRANSACTION.equals(sql.getSQLState())
                    || (sql.getErrorCode() & 0xff) == SQLITE_READONLY && message != null
                    && message.contains("SQLITE_READONLY"))) {
                return true;
            }
        }
        return false;
    }
}
