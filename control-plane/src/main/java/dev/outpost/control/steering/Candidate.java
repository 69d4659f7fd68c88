package dev.outpost.control.steering;

import java.net.URI;

/** An edge as steering sees it: where it is, where clients reach it and whether it may take traffic. */
public record Candidate(String id, String region, URI publicUrl, boolean healthy, boolean caughtUp) {
    public boolean eligible() {
        return healthy && caughtUp;
    }
}
