package dev.outpost.common.wire;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node sends to {@code POST /api/v1/nodes/register} when it starts (and again whenever a heartbeat is
 * answered 404 {@code unknown_node}: the control plane lost track of it):
 *
 * <pre>{"id":"eu-1","kind":"edge","region":"eu","publicUrl":"http://127.0.2.1:8080",
 *  "adminUrl":"http://127.0.2.1:9081","appliedSequence":0,"cacheEmpty":true}</pre>
 *
 * @param publicUrl       where clients are steered to (edges) or where edges fetch from (origins)
 * @param adminUrl        where the control plane sends invalidations (edges); absent for origins
 * @param appliedSequence the highest invalidation sequence this node has applied (0 if none)
 * @param cacheEmpty      the node starts with nothing cached, so nothing logged so far can concern it: the control
 *                        plane then counts every entry up to now as applied by it. Only a freshly started node may
 *                        say so; one re-registering with objects cached sends false and its applied sequence
 * @param startedEmpty    the node held nothing when its process started and has not registered since, but cached
 *                        objects meanwhile (the control plane was unreachable): no logged entry needs replaying,
 *                        but what it holds may have been purged meanwhile, so the control plane has it revalidate
 *                        everything (one soft purge) instead of replaying the log
 * @param role            edges only: {@code edge} (the default when absent) or {@code shield}, an edge the other
 *                        edges fetch their misses from (the L3 tier, docs/caching-tiers.md); origins send none
 */
public record NodeRegistration(String id, Kind kind, String region, URI publicUrl, Optional<URI> adminUrl,
        long appliedSequence, boolean cacheEmpty, boolean startedEmpty, Role role) {
    public NodeRegistration {
        Objects.requireNonNull(kind, "kind");
        adminUrl = adminUrl == null ? Optional.empty() : adminUrl;
        role = role == null ? Role.EDGE : role;
    }

    public NodeRegistration(String id, Kind kind, String region, URI publicUrl, Optional<URI> adminUrl,
            long appliedSequence, boolean cacheEmpty, boolean startedEmpty) {
        this(id, kind, region, publicUrl, adminUrl, appliedSequence, cacheEmpty, startedEmpty, Role.EDGE);
    }

    public NodeRegistration(String id, Kind kind, String region, URI publicUrl, Optional<URI> adminUrl,
            long appliedSequence, boolean cacheEmpty) {
        this(id, kind, region, publicUrl, adminUrl, appliedSequence, cacheEmpty, false);
    }

    /** Serialized in lower case. */
    public enum Kind {
        @JsonProperty("edge") EDGE,
        @JsonProperty("origin") ORIGIN
    }

    /** What an edge is in the tiers, serialized in lower case. */
    public enum Role {
        /** Serves clients and fetches misses from a shield (when its service names one) or from the origin. */
        @JsonProperty("edge") EDGE,
        /** Also serves other edges' misses, and only it fetches from the origin for services it shields. */
        @JsonProperty("shield") SHIELD
    }
}
