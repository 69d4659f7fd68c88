package dev.outpost.control.steering;

import java.util.List;

/**
 * A load-balancing policy: how one edge is chosen among the eligible edges of the serving region. Each is a small
 * class with no I/O; the few with a turn counter (round robin) keep it per region. {@link Policies} says which one
 * a region or a service uses.
 */
public interface Policy {
    /** The name used in config and in the route JSON, e.g. {@code weighted-round-robin}. */
    String name();

    /**
     * Ranks {@code eligible} (not empty, every one healthy and caught up, sorted by id) for one request.
     *
     * @param request what the policy may key on: the cache key (or, for DNS, the host name), the client (address or
     *                ECS subnet) and the serving region
     */
    Pick pick(Request request, List<Candidate> eligible);

    /** The inputs a policy may use; each names what it used in {@link Pick#inputs}. */
    record Request(String key, String client, String region) {
    }
}
