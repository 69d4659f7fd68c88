package dev.outpost.edge.http;

import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.origin.OriginHealth;
import dev.outpost.edge.origin.Route;
import dev.outpost.edge.origin.Routes;
import java.time.Instant;
import java.util.List;

/** The answer of the admin API's {@code GET /_edge/origins}: each origin's circuit breaker and who uses it. */
record OriginsView(List<Origin> origins) {
    /** One origin; {@code openedAt} and {@code lastFailure} are null when there is nothing to say. */
    record Origin(String origin, List<String> services, String state, int consecutiveFailures, long opened,
            long shortCircuited, Instant openedAt, String lastFailure) {
    }

    /** The services that use each origin are those of the configuration now, with this edge's region's origins. */
    static OriginsView of(OriginHealth health, Routes routes) {
        return new OriginsView(health.states().stream().map(s -> new Origin(s.origin().toString(),
                routes.services().stream().filter(d -> routes.find(d.hosts().get(0)).map(Route::origins)
                        .orElse(d.origins()).contains(s.origin())).map(DeliveryService::name).toList(),
                s.state(), s.consecutiveFailures(), s.opened(), s.shortCircuited(), s.openedAt().orElse(null),
                s.lastFailure().orElse(null))).toList());
    }
}
