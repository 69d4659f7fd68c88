package dev.outpost.common.http;

import java.time.Duration;

/**
 * Limits every listener enforces before a handler sees the request: header size, slow-client timeouts, thread
 * counts. Defaults are safe for a public port.
 *
 * @param maxHeaderBytes      largest request head (request line + headers) accepted; larger → connection closed
 * @param requestParseTimeout how long a client may take to send its request head (slowloris guard)
 * @param idleTimeout         how long an idle keep-alive connection is kept
 * @param ioThreads           IO (event loop) threads; 0 → one per core
 * @param workerThreads       worker threads for blocking work (file and origin I/O); 0 → Undertow's default
 * @param maxConnections      open connections the listener accepts at once; further ones wait in the backlog
 * @param maxConnectionsPerClient open connections one client address may hold on the listener; more are closed at
 *                            once (see {@link ConnectionsPerClient})
 * @param drainTimeout        how long closing the listener waits for the requests in progress to finish, after it
 *                            stopped accepting connections ({@link Drain}); 0: not at all
 * @param maxConcurrentStreams requests one HTTP/2 connection may have in progress at once, those its client reset
 *                            but the node still works on included; advertised in SETTINGS and enforced by
 *                            {@link Http2StreamLimit}
 */
public record ServerLimits(int maxHeaderBytes, Duration requestParseTimeout, Duration idleTimeout, int ioThreads,
        int workerThreads, int maxConnections, int maxConnectionsPerClient, Duration drainTimeout,
        int maxConcurrentStreams) {
    /** Open connections per listener unless configured otherwise. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /**
     * Open connections per client address unless configured otherwise: far above what a browser (6 per host on
     * HTTP/1.1, 1 on HTTP/2) or a busy NAT needs, far below the listener's {@link #DEFAULT_MAX_CONNECTIONS}.
     */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 256;
    /**
     * How long closing waits for requests in progress unless configured otherwise: long enough for any answer from
     * memory or a miss of a healthy origin, short enough to end well within a container runtime's stop grace
     * period (Docker's default is 10 s before SIGKILL).
     */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Requests in progress per HTTP/2 connection unless configured otherwise: nginx's
     * {@code http2_max_concurrent_streams}, above the 100 that RFC 9113 §6.5.2 asks not to go below.
     */
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 128;
    public static final ServerLimits DEFAULTS =
            new ServerLimits(16 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(60), 0, 0);

    public ServerLimits(int maxHeaderBytes, Duration requestParseTimeout, Duration idleTimeout, int ioThreads,
            int workerThreads) {
        this(maxHeaderBytes, requestParseTimeout, idleTimeout, ioThreads, workerThreads, DEFAULT_MAX_CONNECTIONS);
    }

    /** The limits with the default per-client connection cap. */
    public ServerLimits(int maxHeaderBytes, Duration requestParseTimeout, Duration idleTimeout, int ioThreads,
            int workerThreads, int maxConnections) {
        this(maxHeaderBytes, requestParseTimeout, idleTimeout, ioThreads, workerThreads, maxConnections,
                DEFAULT_MAX_CONNECTIONS_PER_CLIENT);
    }

    /** The limits with the default HTTP/2 stream limit. */
    public ServerLimits(int maxHeaderBytes, Duration requestParseTimeout, Duration idleTimeout, int ioThreads,
            int workerThreads, int maxConnections, int maxConnectionsPerClient, Duration drainTimeout) {
        this(maxHeaderBytes, requestParseTimeout, idleTimeout, ioThreads, workerThreads, maxConnections,
                maxConnectionsPerClient, drainTimeout, DEFAULT_MAX_CONCURRENT_STREAMS);
    }

    /** The limits with the default drain timeout. */
    public ServerLimits(int maxHeaderBytes, Duration requestParseTimeout, Duration idleTimeout, int ioThreads,
            int workerThreads, int maxConnections, int maxConnectionsPerClient) {
        this(maxHeaderBytes, requestParseTimeout, idleTimeout, ioThreads, workerThreads, maxConnections,
                maxConnectionsPerClient, DEFAULT_DRAIN_TIMEOUT);
    }

    public ServerLimits {
        if (maxHeaderBytes < 1024) {
            throw new IllegalArgumentException("maxHeaderBytes must be >= 1024, was " + maxHeaderBytes);
        }
        if (requestParseTimeout == null || requestParseTimeout.isNegative() || requestParseTimeout.isZero()) {
            throw new IllegalArgumentException("requestParseTimeout must be > 0, was " + requestParseTimeout);
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be > 0, was " + idleTimeout);
        }
        if (ioThreads < 0 || workerThreads < 0) {
            throw new IllegalArgumentException("thread counts must be >= 0 (0 = default), were ioThreads="
                    + ioThreads + ", workerThreads=" + workerThreads);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1, was " + maxConnections);
        }
        if (maxConnectionsPerClient < 1) {
            throw new IllegalArgumentException("maxConnectionsPerClient must be >= 1, was " + maxConnectionsPerClient);
        }
        if (drainTimeout == null || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must be >= 0, was " + drainTimeout);
        }
        if (maxConcurrentStreams < 1) {
            throw new IllegalArgumentException("maxConcurrentStreams must be >= 1, was " + maxConcurrentStreams);
        }
    }
}
