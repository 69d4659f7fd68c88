package dev.outpost.edge.config;

import dev.outpost.common.config.ConfigValues;
import java.time.Duration;

/**
 * The circuit breaker the edge keeps per origin (the {@code origin.breaker} section, docs/edge.md "Origin health"):
 * after {@code failures} attempts in a row that got no usable answer the origin's circuit opens, requests stop
 * going to it (stale copies answer at once, misses go to the next origin or fail fast), and background probes ask
 * it, one at a time, {@code probeAfter} after it opened and then at doubling intervals up to
 * {@code maxProbeInterval}, until one is answered and the circuit closes.
 *
 * @param enabled          false: every request goes to the origin whatever happened before; default true
 * @param failures         consecutive failed attempts that open the circuit; default 5 (1..1000)
 * @param probeAfter       wait before the first probe of an open circuit; default 2 s
 * @param maxProbeInterval the longest wait between probes while they keep failing; default 30 s
 * @param probePath        what a probe asks for ({@code HEAD}, below the origin's URL); any answer but 502, 503
 *                         or 504 means the origin is back; default {@code /}
 */
public record OriginBreaker(Boolean enabled, Integer failures, Duration probeAfter, Duration maxProbeInterval,
        String probePath) {
    public static final OriginBreaker DEFAULTS = new OriginBreaker(null, null, null, null, null);

    public OriginBreaker {
        enabled = ConfigValues.or(enabled, true);
        failures = ConfigValues.between("origin.breaker.failures", failures, 5, 1, 1000);
        probeAfter = ConfigValues.positive("origin.breaker.probeAfter", probeAfter, Duration.ofSeconds(2));
        maxProbeInterval = ConfigValues.positive("origin.breaker.maxProbeInterval", maxProbeInterval,
                Duration.ofSeconds(30));
        if (maxProbeInterval.compareTo(probeAfter) < 0) {
            throw new IllegalArgumentException("origin.breaker.maxProbeInterval (" + maxProbeInterval
                    + ") must be >= origin.breaker.probeAfter (" + probeAfter + ")");
        }
        probePath = ConfigValues.or(probePath, "/");
        if (!probePath.startsWith("/") || !probePath.matches("[\\x21-\\x7e]+") || probePath.contains("#")) {
            throw new IllegalArgumentException("origin.breaker.probePath must be a path starting with '/' "
                    + "(printable ASCII, no '#'), was '" + probePath + "'");
        }
    }

    /** A breaker opening after {@code failures}, probing first after {@code probeAfter}. */
    public static OriginBreaker of(int failures, Duration probeAfter, Duration maxProbeInterval) {
        return new OriginBreaker(true, failures, probeAfter, maxProbeInterval, null);
    }

    /** No breaker: every request asks the origin. */
    public static OriginBreaker off() {
        return new OriginBreaker(false, null, null, null, null);
    }
}
