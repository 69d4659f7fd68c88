package dev.outpost.common.http;

import dev.outpost.common.auth.FailedAuthLimits;
import dev.outpost.common.config.ConfigValues;
import java.time.Duration;

/**
 * The limits every listener of a node enforces: {@code limits} in the origin's and the control plane's config files,
 * {@code limits.listener} in the edge's (whose {@code limits} adds its own). Absent keys take the
 * {@link ServerLimits#DEFAULTS}; a bad value fails naming its key relative to this section (the config loader adds
 * where the section is: {@code bad value at 'limits.listener': maxHeaderBytes must be >= 1024}).
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
 * @param drainTimeout        how long a node that is told to stop (SIGTERM) lets the requests in progress finish once
 *                            it stopped accepting connections; default 5 s, 0: cut them at once
 * @param maxConcurrentStreams requests one HTTP/2 connection may have in progress at once (its client's resets do
 *                            not end the node's work on them, so they count until it is done); more are refused
 *                            with REFUSED_STREAM, and a connection refused that many times gets a GOAWAY; default 128
 */
public record ListenerLimits(Integer maxHeaderBytes, Duration requestParseTimeout, Duration idleTimeout,
        Integer maxConnections, Integer maxConnectionsPerClient, FailedAuthLimits failedAuth, Duration drainTimeout,
        Integer maxConcurrentStreams) {
    public static final ListenerLimits DEFAULTS = new ListenerLimits(null, null, null, null, null, null, null, null);

    public ListenerLimits {
        ServerLimits d = ServerLimits.DEFAULTS;
        maxHeaderBytes = ConfigValues.atLeast("maxHeaderBytes", maxHeaderBytes, d.maxHeaderBytes(), 1024);
        requestParseTimeout = ConfigValues.positive("requestParseTimeout", requestParseTimeout,
                d.requestParseTimeout());
        idleTimeout = ConfigValues.positive("idleTimeout", idleTimeout, d.idleTimeout());
        maxConnections = ConfigValues.atLeast("maxConnections", maxConnections, d.maxConnections(), 1);
        maxConnectionsPerClient = ConfigValues.atLeast("maxConnectionsPerClient", maxConnectionsPerClient,
                ServerLimits.DEFAULT_MAX_CONNECTIONS_PER_CLIENT, 1);
        failedAuth = ConfigValues.or(failedAuth, FailedAuthLimits.DEFAULTS);
        drainTimeout = ConfigValues.notNegative("drainTimeout", drainTimeout, ServerLimits.DEFAULT_DRAIN_TIMEOUT);
        maxConcurrentStreams = ConfigValues.atLeast("maxConcurrentStreams", maxConcurrentStreams,
                ServerLimits.DEFAULT_MAX_CONCURRENT_STREAMS, 1);
    }

    /** The limits with the default HTTP/2 stream limit. */
    public ListenerLimits(Integer maxHeaderBytes, Duration requestParseTimeout, Duration idleTimeout,
            Integer maxConnections, Integer maxConnectionsPerClient, FailedAuthLimits failedAuth,
            Duration drainTimeout) {
        this(maxHeaderBytes, requestParseTimeout, idleTimeout, maxConnections, maxConnectionsPerClient, failedAuth,
                drainTimeout, null);
    }

    /** The options {@link NodeServer} applies, with {@code ioThreads} (0: one per core). */
    public ServerLimits serverLimits(int ioThreads) {
        return new ServerLimits(maxHeaderBytes, requestParseTimeout, idleTimeout, ioThreads, 0, maxConnections,
                maxConnectionsPerClient, drainTimeout, maxConcurrentStreams);
    }

    /** The options {@link NodeServer} and {@link HttpsServer} apply, with one IO thread per core. */
    public ServerLimits serverLimits() {
        return serverLimits(0);
    }
}
