package dev.outpost.common.http;

import dev.outpost.common.auth.FailedAuthLimits;
import java.time.Duration;

/**
 * The listener limits of the origin and the control plane ({@code limits} in their config files; the edge has
 * more in its own {@code limits}). Absent keys take the {@link ServerLimits#DEFAULTS}; a bad value fails naming
 * its key.
 *
 * @param maxHeaderBytes      largest request head; default 16 KiB, at least 1024
 * @param requestParseTimeout longest a client may take to send its request head (slowloris); default 10 s
 * @param idleTimeout         longest a connection may make no progress (idle keep-alive; a client that stops
 *                            reading an answer is cut off after 1–2 × this); default 60 s
 * @param maxConnections      open connections per listener; default 10000
 * @param maxConnectionsPerClient open connections one client address may hold per listener (more are closed at
 *                            once); default 256
 * @param failedAuth          failed-authentication budget per client address of the authenticated APIs;
 *                            default 10 failures, refilled over 1 minute, 65536 addresses remembered
 */
public record ListenerLimits(Integer maxHeaderBytes, Duration requestParseTimeout, Duration idleTimeout,
        Integer maxConnections, Integer maxConnectionsPerClient, FailedAuthLimits failedAuth) {
    public static final ListenerLimits DEFAULTS = new ListenerLimits(null, null, null, null);

    /** The limits with the default per-client connection cap and failed-auth budget. */
    public ListenerLimits(Integer maxHeaderBytes, Duration requestParseTimeout, Duration idleTimeout,
            Integer maxConnections) {
        this(maxHeaderBytes, requestParseTimeout, idleTimeout, maxConnections, null, null);
    }

    public ListenerLimits {
        ServerLimits d = ServerLimits.DEFAULTS;
        maxHeaderBytes = maxHeaderBytes == null ? d.maxHeaderBytes() : maxHeaderBytes;
        if (maxHeaderBytes < 1024) {
            throw new IllegalArgumentException("limits.maxHeaderBytes must be >= 1024, was " + maxHeaderBytes);
        }
        requestParseTimeout = positive("limits.requestParseTimeout", requestParseTimeout, d.requestParseTimeout());
        idleTimeout = positive("limits.idleTimeout", idleTimeout, d.idleTimeout());
        maxConnections = maxConnections == null ? d.maxConnections() : maxConnections;
        if (maxConnections < 1) {
            throw new IllegalArgumentException("limits.maxConnections must be >= 1, was " + maxConnections);
        }
        maxConnectionsPerClient = maxConnectionsPerClient == null ? ServerLimits.DEFAULT_MAX_CONNECTIONS_PER_CLIENT
                : maxConnectionsPerClient;
        if (maxConnectionsPerClient < 1) {
            throw new IllegalArgumentException("limits.maxConnectionsPerClient must be >= 1, was "
                    + maxConnectionsPerClient);
        }
        failedAuth = failedAuth == null ? FailedAuthLimits.DEFAULTS : failedAuth;
    }

    /** The options every {@link NodeServer} applies. */
    public ServerLimits serverLimits() {
        return new ServerLimits(maxHeaderBytes, requestParseTimeout, idleTimeout, 0, 0, maxConnections,
                maxConnectionsPerClient);
    }

    private static Duration positive(String key, Duration value, Duration fallback) {
        Duration v = value == null ? fallback : value;
        if (v.isNegative() || v.isZero()) {
            throw new IllegalArgumentException(key + " must be > 0, was " + v);
        }
        return v;
    }
}
