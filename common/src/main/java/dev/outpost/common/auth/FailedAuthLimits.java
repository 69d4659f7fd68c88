package dev.outpost.common.auth;

import dev.outpost.common.config.ConfigValues;
import java.time.Duration;

/**
 * How many failed authentications a client address may make ({@code failedAuth} under each node's {@code limits}).
 * A client may fail {@code maxFailures} times in a row; its budget then refills evenly over {@code window}
 * ({@code maxFailures} per window), and while it is empty every authenticated call from that address is answered
 * {@code 429} with {@code Retry-After}. Absent keys take the defaults; a bad value fails naming its key.
 *
 * @param maxFailures failed attempts allowed at once and per window; default 10
 * @param window      how long the budget takes to refill completely; default 1 minute
 * @param maxClients  client addresses remembered at once (least recently failed ones are forgotten first, so a flood
 *                    of addresses bounds memory at about 200 bytes each); default 65536
 */
public record FailedAuthLimits(Integer maxFailures, Duration window, Integer maxClients) {
    public static final FailedAuthLimits DEFAULTS = new FailedAuthLimits(null, null, null);

    public FailedAuthLimits {
        maxFailures = ConfigValues.atLeast("maxFailures", maxFailures, 10, 1);
        window = ConfigValues.positive("window", window, Duration.ofMinutes(1));
        maxClients = ConfigValues.atLeast("maxClients", maxClients, 65_536, 1);
    }
}
