package dev.outpost.common.wire;

import java.util.List;

/**
 * The edge's answer to {@code POST /_edge/prefetch}: URLs stored, and those that were not ({@code failures}, each
 * with why); the control plane records a push that did not store every URL as failed for that edge.
 * {@code unknownHosts} (first in the JSON, so a shortened answer still shows it) names the hosts no delivery service
 * there serves, whose URLs were failures and never fetched.
 * <pre>{"unknownHosts":[],"stored":1,"notStored":0,"bytes":10,"failures":[]}</pre>
 */
public record EdgePrefetchResult(List<String> unknownHosts, int stored, int notStored, long bytes,
        List<Failure> failures) {
    public EdgePrefetchResult {
        unknownHosts = List.copyOf(unknownHosts);
        failures = List.copyOf(failures);
    }

    /** One URL that could not be prefetched, and why. */
    public record Failure(String url, String error) {
    }
}
