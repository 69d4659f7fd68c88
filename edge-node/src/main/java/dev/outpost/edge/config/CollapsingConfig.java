package dev.outpost.edge.config;

import dev.outpost.common.config.ConfigValues;
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
        maxWaiters = ConfigValues.atLeast("collapsing.maxWaiters", maxWaiters, 1000, 1);
        maxWait = ConfigValues.positive("collapsing.maxWait", maxWait, Duration.ofSeconds(10));
    }
}
