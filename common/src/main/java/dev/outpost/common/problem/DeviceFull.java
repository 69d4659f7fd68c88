package dev.outpost.common.problem;

import java.io.IOException;
import java.sql.SQLException;

/**
 * Tells a write that failed because its device (or the user's quota on it) is full from other I/O failures. Java
 * reports ENOSPC and EDQUOT only as an {@link IOException} carrying the C library's message, so this reads the
 * message, through the causes (an {@link java.io.UncheckedIOException} wraps one); a database says it in its own
 * words: SQLite's {@code SQLITE_FULL} (result code 13, also what it answers when the file system refuses to grow
 * the file), PostgreSQL's {@code disk_full} (SQLState 53100). A full device is an operator's matter with its own
 * answer in every node (507 from the origin's asset API and the control plane's store, the edge's disk tier and
 * spool giving way), not a fault of the code.
 */
public final class DeviceFull {
    /** SQLite's result code for a database that cannot grow. */
    private static final int SQLITE_FULL = 13;

    private DeviceFull() {
    }

    /** Whether {@code failure}, or one of its causes, is an {@link IOException} saying the device is full. */
    public static boolean is(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (t instanceof IOException && message != null
                    && (message.contains("No space left on device") || message.contains("Disk quota exceeded"))) {
                return true;
            }
            if (t instanceof SQLException sql && ("53100".equals(sql.getSQLState())
                    || sql.getErrorCode() == SQLITE_FULL && message != null && message.contains("SQLITE_FULL"))) {
                return true;
            }
        }
        return false;
    }
}
