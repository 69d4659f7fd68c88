package dev.outpost.common.wire;

import java.net.URI;

/**
 * The edge admin API's contract for the control plane's live pushes, the one copy the control plane's dispatcher,
 * the edge and the tests' fake edge all use (docs/edge.md, "Admin API"): a purge entry is {@code POST}
 * {@value #PURGE_PATH} with an {@link EdgePurge} body, answered {@link EdgePurgeResult}; a push entry is {@code POST}
 * {@value #PREFETCH_PATH} with an {@link EdgePrefetch} body, answered {@link EdgePrefetchResult}. The entry's sequence
 * rides in {@value #SEQUENCE_HEADER}; an entry the edge applied before (from its heartbeat catch-up) is answered
 * {@link AlreadyApplied}, and one it cannot place yet (not registered) {@code 409 not_registered}.
 */
public final class EdgeAdmin {
    /** Purges: by URL, prefix, surrogate key, host or everything. */
    public static final String PURGE_PATH = "/_edge/purge";
    /** Prefetches, the edge side of a push. */
    public static final String PREFETCH_PATH = "/_edge/prefetch";
    /**
     * Configuration changes: a {@code config} entry's {@link ServiceChange} as the body, answered
     * {@link ConfigResult}.
     */
    public static final String CONFIG_PATH = "/_edge/config";
    /** The entry's sequence in the control plane's invalidation log, on live pushes. */
    public static final String SEQUENCE_HEADER = "X-Outpost-Sequence";

    private EdgeAdmin() {
    }

    /** The URL of {@code path} on an edge's admin URL, which may carry a path prefix of its own. */
    public static String url(URI adminUrl, String path) {
        // URI.resolve mishandles an empty base path, so join by hand
        String base = adminUrl.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path;
    }
}
