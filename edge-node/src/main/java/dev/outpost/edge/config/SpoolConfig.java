package dev.outpost.edge.config;

import dev.outpost.common.config.ConfigValues;
import java.nio.file.Path;

/**
 * Where origin bodies the edge does not keep in memory wait for slow clients (the {@code spool} section): bodies
 * too large to store, not storable, or passed through are read from the origin at its own speed into files here,
 * so a slow client never holds an origin connection.
 *
 * @param dir         the directory (created if missing; files left by a killed edge are removed at start);
 *                    default {@code <java.io.tmpdir>/outpost-spool-<edge id>}
 * @param maxBytes    bytes all spooled bodies may take together; default 1 GiB; 0 turns spooling off
 * @param windowBytes memory a body may hold ahead of its slowest reader once the spool is full (it is then read
 *                    from the origin at that reader's pace); default 256 KiB
 */
public record SpoolConfig(String dir, Long maxBytes, Long windowBytes) {
    public static final SpoolConfig DEFAULTS = new SpoolConfig(null, null, null);

    public SpoolConfig {
        if (dir != null && dir.isBlank()) {
            throw new IllegalArgumentException("cache.spool.dir must not be blank");
        }
        maxBytes = ConfigValues.atLeast("cache.spool.maxBytes", maxBytes, 1024L * 1024 * 1024, 0);
        windowBytes = ConfigValues.atLeast("cache.spool.windowBytes", windowBytes, 256L * 1024, 1);
    }

    /** The spool directory for the edge {@code edgeId}. */
    public Path directory(String edgeId) {
        return dir != null ? Path.of(dir) : Path.of(System.getProperty("java.io.tmpdir"), "outpost-spool-" + edgeId);
    }
}
