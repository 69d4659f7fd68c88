package dev.outpost.common.wire;

/**
 * What a node sends to {@code POST /api/v1/nodes/{id}/heartbeat} every {@code heartbeatIntervalMillis}:
 * {@code {"requests":1200,"hitRatio":0.93,"bytesCached":1048576,"appliedSequence":42}}.
 *
 * @param requests        requests served since the node started
 * @param hitRatio        hits / requests since start, 0..1
 * @param bytesCached     bytes held in the cache now
 * @param appliedSequence the highest invalidation sequence applied (entries are applied in order)
 */
public record Heartbeat(long requests, double hitRatio, long bytesCached, long appliedSequence) {
    public Heartbeat {
        if (requests < 0 || bytesCached < 0 || appliedSequence < 0) {
            throw new IllegalArgumentException("requests, bytesCached and appliedSequence must be >= 0");
        }
        if (!(hitRatio >= 0 && hitRatio <= 1)) {
            throw new IllegalArgumentException("hitRatio must be within 0..1, was " + hitRatio);
        }
    }
}
