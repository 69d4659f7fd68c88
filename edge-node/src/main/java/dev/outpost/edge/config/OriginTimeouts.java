package dev.outpost.edge.config;

import dev.outpost.common.config.ConfigValues;
import java.time.Duration;

/**
 * Timeouts for requests to origins; each origin attempt gets its own.
 *
 * @param connect time to open a connection; default 2 s
 * @param read    longest silence while reading a response; default 10 s
 * @param total   whole call including the body; default 30 s
 */
public record OriginTimeouts(Duration connect, Duration read, Duration total) {
    public static final OriginTimeouts DEFAULTS = new OriginTimeouts(null, null, null);

    public OriginTimeouts {
        connect = ConfigValues.positive("origin.connect", connect, Duration.ofSeconds(2));
        read = ConfigValues.positive("origin.read", read, Duration.ofSeconds(10));
        total = ConfigValues.positive("origin.total", total, Duration.ofSeconds(30));
        if (total.compareTo(connect) < 0) {
            throw new IllegalArgumentException("origin.total (" + total + ") must be >= origin.connect ("
                    + connect + ")");
        }
    }
}
