package dev.outpost.origin.replication;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The origin's replication meters, for {@code GET /_origin/metrics}: its role and log head, on a primary each
 * replica's applied position and lag, on a replica its own lag (entries and seconds), changes applied, full copies
 * and digest mismatches. Values are read from the replication state at scrape time ({@link #refresh} first).
 */
public final class ReplicationMetrics {
    private final MeterRegistry registry;
    private final Replication replication;
    private final MultiGauge replicaApplied;
    private final MultiGauge replicaLag;
    private final MultiGauge replicaSeen;

    public ReplicationMetrics(Replication replication, MeterRegistry registry) {
        this.replication = replication;
        this.registry = registry;
        Gauge.builder("origin.replication.primary", replication, r -> r.isPrimary() ? 1 : 0)
                .description("1 on the primary of its group, 0 on a replica").register(registry);
        Gauge.builder("origin.replication.head", replication, r -> r.log().position().head())
                .description("newest change in this origin's log (a replica: the last it applied)")
                .register(registry);
        Gauge.builder("origin.replication.epoch", replication, r -> r.log().position().epoch())
                .description("epoch of this origin's log, raised by every promotion").register(registry);
        FunctionCounter.builder("origin.replication.sync.timeouts", replication, Replication::syncTimeouts)
                .description("writes answered 504 because too few replicas confirmed them in time")
                .register(registry);
        following("origin.replication.lag.entries", "changes the primary has that this replica has not applied",
                ReplicationStatus.Following::lagEntries, false);
        following("origin.replication.lag.seconds", "age of the oldest change this replica has not applied (0 "
                + "when caught up; time since the primary answered while it is unreachable)",
                ReplicationStatus.Following::lagSeconds, false);
        following("origin.replication.ready", "1 when this replica serves content (it has been in line with its "
                + "primary at least once)", f -> f.ready() ? 1 : 0, false);
        following("origin.replication.applied", "changes this replica applied since start",
                ReplicationStatus.Following::entriesApplied, true);
        following("origin.replication.resyncs", "full copies from the primary's listing since start",
                ReplicationStatus.Following::resyncs, true);
        following("origin.replication.digest.mismatches", "copies refused because their bytes did not match "
                + "their digest", ReplicationStatus.Following::digestMismatches, true);
        replicaApplied = MultiGauge.builder("origin.replication.replica.applied")
                .description("last change each replica of this primary reported applied").register(registry);
        replicaLag = MultiGauge.builder("origin.replication.replica.lag.entries")
                .description("changes each replica of this primary has not applied yet").register(registry);
        replicaSeen = MultiGauge.builder("origin.replication.replica.seen.age").baseUnit("seconds")
                .description("time since each replica last asked this primary for changes").register(registry);
    }

    private void following(String name, String description, ToDoubleFunction<ReplicationStatus.Following> value,
            boolean counter) {
        ToDoubleFunction<Replication> read = r -> following(r).map(value::applyAsDouble).orElse(0.0);
        if (counter) {
            FunctionCounter.builder(name, replication, read).description(description).register(registry);
        } else {
            Gauge.builder(name, replication, read).description(description).register(registry);
        }
    }

    private static Optional<ReplicationStatus.Following> following(Replication replication) {
        return replication.status().following();
    }

    /** Brings the per-replica rows up to date; runs before each scrape. */
    public void refresh() {
        List<ReplicationStatus.ReplicaView> replicas = replication.status().replicas();
        replicaApplied.register(replicas.stream().map(r -> MultiGauge.Row.of(Tags.of("replica", r.name()),
                r.applied())).toList(), true);
        replicaLag.register(replicas.stream().map(r -> MultiGauge.Row.of(Tags.of("replica", r.name()),
                r.lagEntries())).toList(), true);
        replicaSeen.register(replicas.stream().map(r -> MultiGauge.Row.of(Tags.of("replica", r.name()),
                r.secondsSinceSeen())).toList(), true);
    }
}
