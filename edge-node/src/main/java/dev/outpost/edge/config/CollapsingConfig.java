package dev.outpost.edge.config;

import java.time.Duration;

/**
 * Limits on requests waiting for another request's origin fetch of the same key.
 *
 * @param maxWaiters followers per key; more get 503; default 1000
 * @param maxWait    longest a follower waits before it gets 504; default 10 s
 */
public record CollapsingConfig(Integer maxWaiters, Duration maxWait) {
    public static final CollapsingConfig DEFAULTS = new CollapsingConfig(null, null);

    public CollapsingConfig {
        maxWaiters = (int) Defaults.positive("collapsing.maxWaiters",
                maxWaiters == null ? null : maxWaiters.longValue(), 1000);
        maxWait = Defaults.positive("collapsing.maxWait", maxWait, Duration.ofSeconds(10));
    }
}
