package dev.outpost.control.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What differs between the two engines, in one place: the few SQL functions without a common spelling, and how a
 * transaction asks for durability. Everything else (upserts with {@code ON CONFLICT}, {@code RETURNING}, the gap-free
 * sequence as a counter row in {@code sequences}) is the same SQL on both, and the schema is one set of migrations.
 */
public enum Dialect {
    SQLITE {
        @Override
        public String position(String needle, String haystack) {
            return "instr(" + haystack + ", " + needle + ")";
        }

        @Override
        public String greatest(String a, String b) {
            return "max(" + a + ", " + b + ")";
        }

        @Override
        void beginTransaction(Connection connection, Store.Durability durability) throws SQLException {
            if (durability == Store.Durability.DURABLE) {
                pragma(connection, "PRAGMA synchronous=FULL"); // the WAL is fsynced at commit
            }
            connection.setAutoCommit(false);
        }

        @Override
        void endTransaction(Connection connection, Store.Durability durability) throws SQLException {
            connection.setAutoCommit(true);
            if (durability == Store.Durability.DURABLE) {
                pragma(connection, "PRAGMA synchronous=NORMAL");
            }
        }
    },
    POSTGRESQL {
        @Override
        public String position(String needle, String haystack) {
            return "strpos(" + haystack + ", " + needle + ")";
        }

        @Override
        public String greatest(String a, String b) {
            return "greatest(" + a + ", " + b + ")";
        }

        @Override
        void beginTransaction(Connection connection, Store.Durability durability) throws SQLException {
            connection.setAutoCommit(false);
            if (durability == Store.Durability.ADVISORY) {
                // the commit does not wait for the WAL flush; a crash may lose it, never corrupt anything
                pragma(connection, "SET LOCAL synchronous_commit = off");
            }
        }

        @Override
        void endTransaction(Connection connection, Store.Durability durability) throws SQLException {
            connection.setAutoCommit(true);
        }
    };

    /** SQL for the 1-based position of {@code needle} in {@code haystack}, 0 when absent. */
    public abstract String position(String needle, String haystack);

    /** SQL for the larger of two values. */
    public abstract String greatest(String a, String b);

    abstract void beginTransaction(Connection connection, Store.Durability durability) throws SQLException;

    abstract void endTransaction(Connection connection, Store.Durability durability) throws SQLException;

    private static void pragma(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
