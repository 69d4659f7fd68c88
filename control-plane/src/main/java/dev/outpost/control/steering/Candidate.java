package dev.outpost.control.steering;

import java.net.URI;

/**
 * An edge as steering sees it: where it is, where clients reach it, whether it may take traffic, and the load it
 * reported in its last heartbeat ({@code activeRequests} in flight, {@code responseMillis} a moving average of its
 * response times; both 0 until it reports them), which the load-aware policies read.
 */
public record Candidate(String id, String region, URI publicUrl, boolean healthy, boolean caughtUp,
        long activeRequests, double responseMillis) {
    public Candidate(String id, String region, URI publicUrl, boolean healthy, boolean caughtUp) {
        this(id, region, publicUrl, healthy, caughtUp, 0, 0);
    }

    public boolean eligible() {
        return healthy && caughtUp;
    }
}
