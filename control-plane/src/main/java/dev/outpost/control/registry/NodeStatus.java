package dev.outpost.control.registry;

import dev.outpost.common.wire.NodeRegistration;
import java.net.URI;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * One row of {@code GET /api/v1/nodes}: identity, health, catch-up state and the stats of the last heartbeat.
 *
 * @param role      an edge's role in the tiers, {@code edge} or {@code shield} (docs/caching-tiers.md); empty for
 *                  origins
 * @param healthy   heard from within the heartbeat timeout
 * @param caughtUp  missed no entry, or has since applied every purge due in its region; edges are steered traffic
 *                  only when healthy and caught up
 * @param fenced    unreachable past the grace period: purges no longer wait for it, and it revalidates everything
 *                  before it is steered to again
 * @param activeRequests requests in flight at its last heartbeat (what {@code least-connections} and
 *                  {@code rendezvous-bounded-load} compare); 0 until it reports one
 * @param responseMillis moving average of its response times at its last heartbeat (what
 *                  {@code least-response-time} compares); 0 until it reports one
 * @param originsDown an edge's origins whose circuit breaker was open at its last heartbeat
 * @param configVersion the delivery-service configuration version it runs, from its last heartbeat (absent: it
 *                  takes no configuration from the control plane, or has not said yet)
 * @param configCurrent it runs the newest configuration version (false while a change is on its way to it, or
 *                  when it refused one)
 */
public record NodeStatus(String id, String kind, Optional<String> role, String region, URI publicUrl, Optional<URI> adminUrl,
        boolean healthy, boolean caughtUp, boolean fenced, long appliedSequence, long dueSequence, Instant registeredAt,
        Instant lastHeartbeat, long requests, double hitRatio, long bytesCached,
        long activeRequests, double responseMillis, java.util.List<String> originsDown, Optional<Long> configVersion,
        boolean configCurrent) {
    public NodeStatus(String id, String kind, Optional<String> role, String region, URI publicUrl, Optional<URI> adminUrl,
            boolean healthy, boolean caughtUp, boolean fenced, long appliedSequence, long dueSequence,
            Instant registeredAt, Instant lastHeartbeat, long requests, double hitRatio, long bytesCached,
            long activeRequests, double responseMillis, java.util.List<String> originsDown,
            Optional<Long> configVersion, long newestConfigVersion) {
        this(id, kind, role, region, publicUrl, adminUrl, healthy, caughtUp, fenced, appliedSequence, dueSequence,
                registeredAt, lastHeartbeat, requests, hitRatio, bytesCached, activeRequests, responseMillis,
                originsDown, configVersion, configVersion.map(v -> v >= newestConfigVersion).orElse(false));
    }

    /** The row of a registered node, with what the registry computes of it now. */
    static NodeStatus of(Node node, boolean healthy, boolean caughtUp, long due, long newestConfig) {
        NodeRegistration r = node.registration();
        return new NodeStatus(r.id(), r.kind().name().toLowerCase(Locale.ROOT),
                node.isEdge() ? Optional.of(r.role().name().toLowerCase(Locale.ROOT)) : Optional.empty(), r.region(),
                r.publicUrl(), r.adminUrl(), healthy, caughtUp, node.fenced(), node.appliedSequence(), due,
                node.registeredAt(), node.lastSeen(), node.stats().requests(), node.stats().hitRatio(),
                node.stats().bytesCached(), node.stats().activeRequests(), node.stats().responseMillis(),
                node.stats().originsDown(), Optional.ofNullable(node.stats().configVersion()), newestConfig);
    }
}
