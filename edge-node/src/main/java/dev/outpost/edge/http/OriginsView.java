package dev.outpost.edge.http;

import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.origin.OriginHealth;
import java.time.Instant;
import java.util.List;

/** The answer of the admin API's {@code GET /_edge/origins}: each origin's circuit breaker and who uses it. */
record OriginsView(List<Origin> origins) {
    /** One origin; {@code openedAt} and {@code lastFailure} are null when there is nothing to say. */
    record Origin(String origin, List<String> services, String state, int consecutiveFailures, long opened,
            long shortCircuited, Instant openedAt, String lastFailure) {
    }

    static OriginsView of(OriginHealth health, List<DeliveryService> services) {
        return new OriginsView(health.states().stream().map(s -> new Origin(s.origin().toString(),
                services.stream().filter(d -> d.origins().contains(s.origin())).map(DeliveryService::name).toList(),
                s.state(), s.consecutiveFailures(), s.opened(), s.shortCircuited(), s.openedAt().orElse(null),
                s.lastFailure().orElse(null))).toList());
    }
}
