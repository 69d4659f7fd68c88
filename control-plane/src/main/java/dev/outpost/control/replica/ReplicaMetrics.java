package dev.outpost.control.replica;

import dev.outpost.common.metrics.NodeMeters;
import dev.outpost.control.steering.Decision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * A steering replica's meters, served at {@code /api/v1/metrics}: its decisions (the control plane's counter, under
 * the same name and tags, so a dashboard sums every front door), the age of the state it answers from and the
 * fetches of it that failed, besides the JVM and process meters of {@link NodeMeters}.
 */
final class ReplicaMetrics implements AutoCloseable {
    private final NodeMeters meters = new NodeMeters();
    private final PrometheusMeterRegistry registry = meters.registry();
    private final Counter failedFetches;

    ReplicaMetrics(ReplicaSteering steering) {
        Gauge.builder("steering.state.age.seconds", steering, s -> s.ageSeconds().orElse(Double.NaN))
                .description("seconds since a control plane last confirmed the state this replica steers by (NaN "
                        + "before the first)").register(registry);
        Gauge.builder("steering.state.stale", steering, s -> s.view().freshness().stale() ? 1 : 0)
                .description("1 while the state is older than staleAfter (still answered from)").register(registry);
        failedFetches = Counter.builder("steering.state.fetch.failures")
                .description("calls to the control planes' state feed that failed (unreachable, refused, bad answer)")
                .register(registry);
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    void failedFetch() {
        failedFetches.increment();
    }

    /** A steering answer (a 302, a 503, or a DNS answer); explanations are not counted. */
    void steered(Decision decision) {
        String result = decision.chosen().isEmpty() ? "no_edge" : decision.fallback() ? "fallback" : "local";
        Counter.builder("controlplane.steering.decisions")
                .tags("client_region", decision.clientRegion(), "region", decision.servingRegion(),
                        "policy", decision.policy(), "via", decision.via(), "result", result)
                .description("clients steered, by the client's region, the region that serves it, the policy, the "
                        + "front door (http, dns) and the result (local, fallback to another region, no_edge)")
                .register(registry).increment();
    }

    @Override
    public void close() {
        meters.close();
    }
}
