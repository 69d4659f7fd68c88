package dev.outpost.edge.config;

import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.config.RenamedKeys;
import dev.outpost.common.http.ListenerLimits;
import dev.outpost.common.http.ServerLimits;
import java.util.List;
import java.util.Locale;

/**
 * The edge's safe defaults against hostile clients and origins (config key {@code limits}); every one can be
 * changed, none can be switched off.
 *
 * @param listener             what every listener enforces, the same keys as the origin's and the control plane's
 *                             {@code limits}: head size, slow-client timeouts, connections, per-client connections,
 *                             the failed-authentication budget of the admin API
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
 */
@RenamedKeys({"maxHeaderBytes -> listener.maxHeaderBytes", "requestParseTimeout -> listener.requestParseTimeout",
        "idleTimeout -> listener.idleTimeout", "maxConnections -> listener.maxConnections",
        "maxConnectionsPerClient -> listener.maxConnectionsPerClient", "failedAuth -> listener.failedAuth"})
public record EdgeLimits(ListenerLimits listener, Integer maxApiBodyBytes, Integer maxRangeParts,
        List<String> allowedMethods, Integer maxOriginHeaderBytes, Integer ioThreads) {
    public static final EdgeLimits DEFAULTS = new EdgeLimits(null, null, null, null, null, null);
    private static final int MAX_IO_THREADS = 1024;

    public EdgeLimits {
        listener = ConfigValues.or(listener, ListenerLimits.DEFAULTS);
        maxApiBodyBytes = ConfigValues.atLeast("limits.maxApiBodyBytes", maxApiBodyBytes, 1024 * 1024, 1024);
        maxRangeParts = ConfigValues.atLeast("limits.maxRangeParts", maxRangeParts, 16, 1);
        allowedMethods = ConfigValues.orEmpty(allowedMethods);
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
        maxOriginHeaderBytes = ConfigValues.atLeast("limits.maxOriginHeaderBytes", maxOriginHeaderBytes, 64 * 1024,
                1024);
        ioThreads = ConfigValues.between("limits.ioThreads", ioThreads, Runtime.getRuntime().availableProcessors(), 1,
                MAX_IO_THREADS);
    }

    /** The default limits with these listener limits. */
    public static EdgeLimits of(ListenerLimits listener) {
        return new EdgeLimits(listener, null, null, null, null, null);
    }

    public EdgeLimits withListener(ListenerLimits newListener) {
        return new EdgeLimits(newListener, maxApiBodyBytes, maxRangeParts, allowedMethods, maxOriginHeaderBytes,
                ioThreads);
    }

    /** The listener options every NodeServer applies. */
    public ServerLimits serverLimits() {
        return listener.serverLimits(ioThreads);
    }
}
