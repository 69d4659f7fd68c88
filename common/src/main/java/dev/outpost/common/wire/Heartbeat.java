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
 * @param activeRequests  requests in flight when the heartbeat was sent (absent = 0: a node that does not say);
 *                        steering's {@code least-connections} and {@code rendezvous-bounded-load} read it
 * @param responseMillis  moving average of the time to a complete response, in milliseconds (absent = 0);
 *                        steering's {@code least-response-time} reads it
 * @param originsDown     an edge's origins whose circuit breaker is open: it does not send them requests now
 *                        (absent = none); shown by {@code outpost status}
 * @param traffic         the edge's traffic counters since its previous batch (absent = none; left out of the JSON
 *                        then, so a control plane that predates it still reads the heartbeat). An edge sends it only
 *                        to a control plane that answered a heartbeat with {@value #TRAFFIC_HEADER}
 * @param configVersion   the delivery-service configuration version the node runs (absent: a node that takes no
 *                        configuration from the control plane, or predates it)
 * @param leaving         the node is stopping (its last heartbeat, sent as it starts draining): it is unhealthy from
 *                        now on, so steering sends no client to it, until it registers again (absent = false)
 */
public record Heartbeat(long requests, double hitRatio, long bytesCached, long appliedSequence,
        java.util.List<EntryResult> results, Long activeRequests, Double responseMillis,
        java.util.List<String> originsDown,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        TrafficBatch traffic,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        Long configVersion,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        Boolean leaving) {
    /**
     * The response header of a heartbeat answer by a control plane that takes {@code traffic} batches (value
     * {@code 1}, the batch format's version); edges send none to one that does not say so.
     */
    public static final String TRAFFIC_HEADER = "X-Outpost-Traffic";
    /** At most this many results ride in one heartbeat; older ones are dropped first. */
    public static final int MAX_RESULTS = 100;
    /** At most this many origins are reported down in one heartbeat. */
    public static final int MAX_ORIGINS_DOWN = 100;

    public Heartbeat(long requests, double hitRatio, long bytesCached, long appliedSequence,
            java.util.List<EntryResult> results, Long activeRequests, Double responseMillis,
            java.util.List<String> originsDown, TrafficBatch traffic, Long configVersion) {
        this(requests, hitRatio, bytesCached, appliedSequence, results, activeRequests, responseMillis, originsDown,
                traffic, configVersion, null);
    }

    /** The node's last heartbeat: the same report, saying it is stopping. */
    public Heartbeat asLeaving() {
        return new Heartbeat(requests, hitRatio, bytesCached, appliedSequence, results, activeRequests,
                responseMillis, originsDown, traffic, configVersion, true);
    }

    /** Whether the node said it is stopping. */
    public boolean saysLeaving() {
        return Boolean.TRUE.equals(leaving);
    }

    public Heartbeat(long requests, double hitRatio, long bytesCached, long appliedSequence,
            java.util.List<EntryResult> results, Long activeRequests, Double responseMillis,
            java.util.List<String> originsDown, TrafficBatch traffic) {
        this(requests, hitRatio, bytesCached, appliedSequence, results, activeRequests, responseMillis, originsDown,
                traffic, null);
    }

    public Heartbeat(long requests, double hitRatio, long bytesCached, long appliedSequence,
            java.util.List<EntryResult> results, Long activeRequests, Double responseMillis) {
        this(requests, hitRatio, bytesCached, appliedSequence, results, activeRequests, responseMillis, null, null);
    }

    public Heartbeat(long requests, double hitRatio, long bytesCached, long appliedSequence) {
        this(requests, hitRatio, bytesCached, appliedSequence, java.util.List.of());
    }

    public Heartbeat(long requests, double hitRatio, long bytesCached, long appliedSequence,
            java.util.List<EntryResult> results) {
        this(requests, hitRatio, bytesCached, appliedSequence, results, 0L, 0.0);
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
        originsDown = originsDown == null ? java.util.List.of() : java.util.List.copyOf(originsDown);
        if (originsDown.size() > MAX_ORIGINS_DOWN || originsDown.stream().anyMatch(o -> o.length() > 2048)) {
            throw new IllegalArgumentException("originsDown: at most " + MAX_ORIGINS_DOWN + " URLs of up to 2048 "
                    + "characters, were " + originsDown.size());
        }
        activeRequests = activeRequests == null ? 0L : activeRequests;
        responseMillis = responseMillis == null ? 0.0 : responseMillis;
        if (activeRequests < 0 || !(responseMillis >= 0 && responseMillis < 1e9)) {
            throw new IllegalArgumentException("activeRequests must be >= 0 and responseMillis within 0..1e9, were "
                    + activeRequests + " and " + responseMillis);
        }
        leaving = Boolean.TRUE.equals(leaving) ? Boolean.TRUE : null; // false is written as absent
        if (!(hitRatio >= 0 && hitRatio <= 1)) {
            throw new IllegalArgumentException("hitRatio must be within 0..1, was " + hitRatio);
        }
    }
}
