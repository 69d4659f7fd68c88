package dev.outpost.common.wire;

import java.util.List;

/**
 * The edge's answer to {@code POST /_edge/purge}: stored variants removed, or marked stale when soft; and the hosts
 * (of urls, prefixes and hosts) that no delivery service there serves, which purged nothing. {@code unknownHosts}
 * comes first in the JSON, so a reader of a shortened answer (the control plane keeps 1 KiB) still sees it.
 */
public record EdgePurgeResult(List<String> unknownHosts, int removed, int markedStale) {
    public EdgePurgeResult {
        unknownHosts = List.copyOf(unknownHosts);
    }
}
