package dev.outpost.common.wire;

/**
 * What a node sends to {@code POST /api/v1/nodes/{id}/heartbeat} every {@code heartbeatIntervalMillis}:
 * {@code {"requests":1200,"hitRatio":0.93,"bytesCached":1048576,"appliedSequence":42,"results":[]}}.
 *
 * @param requests        requests served since the node started
 * @param hitRatio        hits / requests since start, 0..1
 * @param bytesCached     bytes held in the cache now
 * @param appliedSequence the highest invalidation sequence applied (entries are applied in order)
 * @param results         what the node reported for entries it applied from catch-up pages since its last
 *                        heartbeat (absent = none)
 */
public record Heartbeat(long requests, double hitRatio, long bytesCached, long appliedSequence,
        java.util.List<EntryResult> results) {
    /** At most this many results ride in one heartbeat; older ones are dropped first. */
    public static final int MAX_RESULTS = 100;

    public Heartbeat(long requests, double hitRatio, long bytesCached, long appliedSequence) {
        this(requests, hitRatio, bytesCached, appliedSequence, java.util.List.of());
    }

    public Heartbeat {
        results = results == null ? java.util.List.of() : java.util.List.copyOf(results);
        if (results.size() > MAX_RESULTS) {
            throw new IllegalArgumentException("results: at most " + MAX_RESULTS + " per heartbeat, were "
                    + results.size());
        }
        if (requests < 0 || bytesCached < 0 || appliedSequence < 0) {
            throw new IllegalArgumentException("requests, bytesCached and appliedSequence must be >= 0");
        }
        if (!(hitRatio >= 0 && hitRatio <= 1)) {
            throw new IllegalArgumentException("hitRatio must be within 0..1, was " + hitRatio);
        }
    }
}
