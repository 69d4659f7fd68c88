package dev.outpost.common.wire;

import java.net.URI;
import java.util.Objects;

/**
 * A shield as the control plane tells edges about it in every heartbeat reply:
 * {@code {"id":"us-shield-1","region":"us","publicUrl":"http://127.0.3.9:8080"}}. Edges fetch their misses from
 * {@code publicUrl} (the shield's client listener, with the client's Host), choosing among the shields of one
 * region by rendezvous hashing of the cache key, so one object lives on one shield.
 */
public record ShieldNode(String id, String region, URI publicUrl) {
    public ShieldNode {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(publicUrl, "publicUrl");
    }
}
