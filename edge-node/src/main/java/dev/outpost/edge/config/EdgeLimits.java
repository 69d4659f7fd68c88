package dev.outpost.edge.config;

import dev.outpost.common.auth.FailedAuthLimits;
import dev.outpost.common.http.ServerLimits;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The edge's safe defaults against hostile clients and origins (config key {@code limits}); every one can be
 * changed, none can be switched off.
 *
 * @param maxHeaderBytes       largest request head (request line + headers); larger → 431/connection closed;
 *                             default 16 KiB
 * @param requestParseTimeout  longest a client may take to send its request head (slowloris); default 10 s
 * @param idleTimeout          longest a connection may make no progress reading or writing (idle keep-alive,
 *                             slow reads); default 60 s
 * @param maxConnections       open connections per listener; more wait in the kernel backlog; default 10000
 * @param maxApiBodyBytes      largest JSON body of an admin API call (413 above); default 1 MiB
 * @param maxRangeParts        ranges in one Range header; more → the whole body (200); default 16
 * @param allowedMethods       an opt-in allowlist of request methods the public listener accepts (others → 405
 *                             without a fetch; must include GET and HEAD); default empty: every method is passed
 *                             on, extension methods included (RFC 9110 §9.1), except TRACE and CONNECT, which are
 *                             never
 * @param maxOriginHeaderBytes largest origin response head the edge accepts; larger or malformed → 502, not stored;
 *                             default 64 KiB
 * @param ioThreads            Undertow IO (event-loop) threads per listener, which serve hits; default one per
 *                             core the JVM may use (so 1 under {@code taskset -c N}: Undertow's own default of at
 *                             least 2 made two event loops take turns on one core, bench/analysis.md); 1..1024
 * @param maxConnectionsPerClient open connections one client address may hold per listener (more are closed at
 *                             once, so one client cannot fill {@code maxConnections}); default 256
 * @param failedAuth           failed-authentication budget per client address of the admin API; default 10
 *                             failures, refilled over 1 minute, 65536 addresses remembered
 */
public record EdgeLimits(Integer maxHeaderBytes, Duration requestParseTimeout, Duration idleTimeout,
        Integer maxConnections, Integer maxApiBodyBytes, Integer maxRangeParts, List<String> allowedMethods,
        Integer maxOriginHeaderBytes, Integer ioThreads, Integer maxConnectionsPerClient,
        FailedAuthLimits failedAuth) {
    public static final EdgeLimits DEFAULTS = new EdgeLimits(null, null, null, null, null, null, null, null, null);
    private static final int MAX_IO_THREADS = 1024;

    public EdgeLimits {
        maxHeaderBytes = atLeast("limits.maxHeaderBytes", maxHeaderBytes, 16 * 1024, 1024);
        requestParseTimeout = Defaults.positive("limits.requestParseTimeout", requestParseTimeout,
                Duration.ofSeconds(10));
        idleTimeout = Defaults.positive("limits.idleTimeout", idleTimeout, Duration.ofSeconds(60));
        maxConnections = atLeast("limits.maxConnections", maxConnections, 10_000, 1);
        maxApiBodyBytes = atLeast("limits.maxApiBodyBytes", maxApiBodyBytes, 1024 * 1024, 1024);
        maxRangeParts = atLeast("limits.maxRangeParts", maxRangeParts, 16, 1);
        allowedMethods = List.copyOf(Defaults.or(allowedMethods, List.of()));
        if (!allowedMethods.isEmpty() && (!allowedMethods.contains("GET") || !allowedMethods.contains("HEAD"))) {
            throw new IllegalArgumentException("limits.allowedMethods must include GET and HEAD, was "
                    + allowedMethods);
        }
        for (String m : allowedMethods) {
            if (!m.matches("[A-Z][A-Z0-9_-]*")) {
                throw new IllegalArgumentException("limits.allowedMethods: '" + m
                        + "' is not an upper-case method name");
            }
            if (m.equals("CONNECT") || m.equals("TRACE")) {
                throw new IllegalArgumentException("limits.allowedMethods: " + m.toLowerCase(Locale.ROOT)
                        + " is never allowed on an edge (open proxy / cross-site tracing)");
            }
        }
        maxOriginHeaderBytes = atLeast("limits.maxOriginHeaderBytes", maxOriginHeaderBytes, 64 * 1024, 1024);
        ioThreads = atLeast("limits.ioThreads", ioThreads, Runtime.getRuntime().availableProcessors(), 1);
        if (ioThreads > MAX_IO_THREADS) {
            throw new IllegalArgumentException("limits.ioThreads must be <= " + MAX_IO_THREADS + ", was " + ioThreads);
        }
        maxConnectionsPerClient = atLeast("limits.maxConnectionsPerClient", maxConnectionsPerClient,
                ServerLimits.DEFAULT_MAX_CONNECTIONS_PER_CLIENT, 1);
        failedAuth = failedAuth == null ? FailedAuthLimits.DEFAULTS : failedAuth;
    }

    /** The limits with the default per-client connection cap and failed-auth budget. */
    public EdgeLimits(Integer maxHeaderBytes, Duration requestParseTimeout, Duration idleTimeout,
            Integer maxConnections, Integer maxApiBodyBytes, Integer maxRangeParts, List<String> allowedMethods,
            Integer maxOriginHeaderBytes, Integer ioThreads) {
        this(maxHeaderBytes, requestParseTimeout, idleTimeout, maxConnections, maxApiBodyBytes, maxRangeParts,
                allowedMethods, maxOriginHeaderBytes, ioThreads, null, null);
    }

    /** The limits without {@code ioThreads} (default), as before that setting existed. */
    public EdgeLimits(Integer maxHeaderBytes, Duration requestParseTimeout, Duration idleTimeout,
            Integer maxConnections, Integer maxApiBodyBytes, Integer maxRangeParts, List<String> allowedMethods,
            Integer maxOriginHeaderBytes) {
        this(maxHeaderBytes, requestParseTimeout, idleTimeout, maxConnections, maxApiBodyBytes, maxRangeParts,
                allowedMethods, maxOriginHeaderBytes, null);
    }

    /** The listener options every NodeServer applies. */
    public ServerLimits serverLimits() {
        return new ServerLimits(maxHeaderBytes, requestParseTimeout, idleTimeout, ioThreads, 0, maxConnections,
                maxConnectionsPerClient);
    }

    private static int atLeast(String key, Integer value, int fallback, int min) {
        int v = value == null ? fallback : value;
        if (v < min) {
            throw new IllegalArgumentException(key + " must be >= " + min + ", was " + v);
        }
        return v;
    }
}
