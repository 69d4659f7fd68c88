package dev.outpost.control;

import dev.outpost.common.config.ConfigValues;
import java.time.Duration;

/**
 * The traffic statistics edges send with their heartbeats ({@code stats} in the control-plane config): counted in
 * memory per minute and written behind to the control plane's store. Absent keys take the defaults;
 * bad values fail start-up naming their key.
 *
 * @param flushEvery how often the minutes counted in memory are written to the store, in one transaction; what was
 *                   counted since the last write is lost if the process dies (write-behind). 1 s..10 min, default
 *                   10 s
 * @param retention  how long the per-minute series are kept; older minutes are deleted at each write. 1 h..400 d,
 *                   default 7 d
 */
public record StatsSettings(Duration flushEvery, Duration retention) {
    public static final StatsSettings DEFAULTS = new StatsSettings(null, null);

    public StatsSettings {
        flushEvery = ConfigValues.positive("stats.flushEvery", flushEvery, Duration.ofSeconds(10));
        retention = ConfigValues.positive("stats.retention", retention, Duration.ofDays(7));
        if (flushEvery.compareTo(Duration.ofSeconds(1)) < 0 || flushEvery.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("stats.flushEvery must be within 1s..10m, was " + flushEvery);
        }
        if (retention.compareTo(Duration.ofHours(1)) < 0 || retention.compareTo(Duration.ofDays(400)) > 0) {
            throw new IllegalArgumentException("stats.retention must be within 1h..400d, was " + retention);
        }
    }
}
