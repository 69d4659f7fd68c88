package dev.outpost.control.steering;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Configured one-way latency between regions, read in either direction; a region is 0 from itself and a pair
 * nobody configured is "far" (after every configured one). Orders fallback regions from nearest to farthest.
 */
public final class LatencyMatrix {
    private final Map<String, Map<String, Duration>> latency;

    /** One-way latencies as configured ({@code latency: {us: {eu: 40ms}}}): either direction, missing = farthest. */
    public LatencyMatrix(Map<String, Map<String, Duration>> latency) {
        this.latency = Map.copyOf(latency);
    }

    public long distance(String from, String to) {
        if (from.equals(to)) {
            return 0;
        }
        Duration there = latency.getOrDefault(from, Map.of()).get(to);
        Duration back = latency.getOrDefault(to, Map.of()).get(from);
        if (there == null && back == null) {
            return Long.MAX_VALUE;
        }
        return (there != null ? there : back).toNanos();
    }

    /** Every region, nearest to {@code from} first; ties by name so the order is stable. */
    public List<String> byDistance(String from, Set<String> regions) {
        return regions.stream()
                .sorted(Comparator.comparingLong((String r) -> distance(from, r)).thenComparing(r -> r))
                .toList();
    }
}
