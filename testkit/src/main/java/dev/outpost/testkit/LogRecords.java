package dev.outpost.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The log lines one logger (and its children) writes while a test runs, captured from {@code java.util.logging}
 * (where {@code System.Logger} writes by default): {@code try (LogRecords logs = LogRecords.of(Some.class)) {...}}.
 */
public final class LogRecords implements AutoCloseable {
    private final Logger logger;
    private final Level previous;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogRecords(String name) {
        this.logger = Logger.getLogger(name);
        this.previous = logger.getLevel();
        handler.setLevel(Level.ALL);
        logger.setLevel(Level.ALL);
        logger.addHandler(handler);
    }

    /** Captures what {@code type}'s logger writes, at every level. */
    public static LogRecords of(Class<?> type) {
        return new LogRecords(type.getName());
    }

    /** Captures what the loggers under {@code name} ({@code dev.outpost.control}) write. */
    public static LogRecords under(String name) {
        return new LogRecords(name);
    }

    /** The messages so far, formatted ({@code {0}} parameters filled in), oldest first. */
    public List<String> messages() {
        return records.stream().map(r -> r.getParameters() == null || r.getParameters().length == 0
                ? r.getMessage() : java.text.MessageFormat.format(r.getMessage(), r.getParameters())).toList();
    }

    /** The messages at {@code level} or above. */
    public List<String> messages(Level level) {
        return records.stream().filter(r -> r.getLevel().intValue() >= level.intValue()).map(LogRecord::getMessage)
                .toList();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setLevel(previous);
    }
}
