package dev.outpost.control.metrics;

import dev.outpost.common.metrics.NodeMeters;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.control.invalidation.Delivery;
import dev.outpost.control.invalidation.DeliveryObserver;
import dev.outpost.control.invalidation.EntryStatus;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.registry.Node;
import dev.outpost.control.registry.NodeStatus;
import dev.outpost.control.registry.Registry;
import dev.outpost.control.stats.TrafficStats;
import dev.outpost.control.steering.Decision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The control plane's meters, served at {@code /api/v1/metrics}: entries accepted and settled, the time from an
 * entry's acceptance to its last edge's acknowledgement (a histogram per kind), pushes retried per edge, deliveries
 * not applied per edge and state and the dead letters among them, steering decisions, rate-limit refusals, nodes by
 * health, and (recorded by the API's handlers) requests by route template and status; next to the JVM and process
 * meters of {@link NodeMeters}. Per-edge and per-node rows are read from the log and the registry at scrape time
 * ({@link #refresh}).
 */
public final class ControlPlaneMetrics implements DeliveryObserver, AutoCloseable {
    /** Buckets of the acknowledgement histogram: a purge settles in milliseconds, a push of big objects in minutes. */
    private static final Duration[] ACK_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5),
            Duration.ofMinutes(10)};
    /**
     * The delivery states counted per edge; {@code failed}, {@code expired} and {@code dead_lettered} (open dead
     * letters, neither retried nor discarded) are the dead letters.
     */
    private static final List<Delivery.State> UNAPPLIED = List.of(Delivery.State.PENDING, Delivery.State.BEHIND,
            Delivery.State.FAILED, Delivery.State.EXPIRED, Delivery.State.DEAD_LETTERED);
    private static final List<String> HEALTH_STATES = List.of("healthy", "catching_up", "unhealthy", "fenced");
    private static final List<String> SHIELD_STATES = List.of("usable", "catching_up", "unhealthy", "fenced");

    private final NodeMeters meters = new NodeMeters();
    private final PrometheusMeterRegistry registry = meters.registry();
    private final MultiGauge deliveries;
    private final MultiGauge deadLetters;
    private final MultiGauge nodes;
    private final MultiGauge shields;
    /** Entries logged that edges other than shields may not be handed yet (as of the last scrape). */
    private final java.util.concurrent.atomic.AtomicLong heldForShields = new java.util.concurrent.atomic.AtomicLong();
    /** Shields holding the edges back (as of the last scrape). */
    private final java.util.concurrent.atomic.AtomicLong holdingBack = new java.util.concurrent.atomic.AtomicLong();
    /** The registry's count of entries released with no shield counting, read at each scrape. */
    private final java.util.concurrent.atomic.AtomicLong releasedWithoutShields =
            new java.util.concurrent.atomic.AtomicLong();

    public ControlPlaneMetrics() {
        for (Kind kind : Kind.values()) {
            accepted(kind, 0);
            ackTimer(kind);
        }
        deliveries = MultiGauge.builder("controlplane.deliveries")
                .description("deliveries of kept log entries not applied by each registered edge, by state (pending: "
                        + "push in flight; behind: retried and sent on its heartbeat; failed, expired: never will; "
                        + "dead_lettered: refused or not applied within delivery.maxTries, waiting for an operator)")
                .register(registry);
        deadLetters = MultiGauge.builder("controlplane.dead.letters")
                .description("deliveries of kept log entries an edge will never apply (a push it could not "
                        + "carry out, or that expired before it got it, or an open dead letter), by edge")
                .register(registry);
        nodes = MultiGauge.builder("controlplane.nodes")
                .description("registered nodes by kind, region and state (healthy and caught up; catching up; "
                        + "unhealthy: no heartbeat within the timeout; fenced: unreachable past the grace period)")
                .register(registry);
        shields = MultiGauge.builder("controlplane.shields")
                .description("registered shields by region and state (usable: named to edges; catching_up: heard "
                        + "from but behind what the edges were handed; unhealthy; fenced)")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder("controlplane.shield.held.entries", heldForShields,
                java.util.concurrent.atomic.AtomicLong::get)
                .description("entries logged that the edges other than shields are not handed yet: waiting for every "
                        + "shield that counts to apply them").register(registry);
        io.micrometer.core.instrument.Gauge.builder("controlplane.shields.holding.back", holdingBack,
                java.util.concurrent.atomic.AtomicLong::get)
                .description("shields every entry waits for before the other edges get it").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("controlplane.shield.released.unshielded",
                releasedWithoutShields, java.util.concurrent.atomic.AtomicLong::get)
                .description("entries handed to the edges although no shield had applied them, because shields "
                        + "were registered but none counted (silent, fenced or behind)").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void accepted(Kind kind) {
        accepted(kind, 1);
    }

    private void accepted(Kind kind, double count) {
        Counter.builder("controlplane.entries.accepted").tag("kind", name(kind))
                .description("purges and pushes accepted (durably logged) by this process").register(registry)
                .increment(count);
    }

    @Override
    public void settled(Kind kind, EntryStatus status, Optional<Duration> toLastAck) {
        Counter.builder("controlplane.entries.settled").tags("kind", name(kind), "status", status.wireName())
                .description("entries accepted by this process that settled: complete (every edge in scope applied "
                        + "it, or was fenced or removed) or failed").register(registry).increment();
        toLastAck.ifPresent(time -> ackTimer(kind).record(time));
    }

    private Timer ackTimer(Kind kind) {
        return Timer.builder("controlplane.entry.ack").tag("kind", name(kind))
                .description("time from an entry's acceptance to the acknowledgement of the last edge in its scope "
                        + "(entries some edge acknowledged)").serviceLevelObjectives(ACK_BUCKETS)
                .register(registry);
    }

    @Override
    public void retried(String node) {
        Counter.builder("controlplane.deliveries.retried").tag("edge", node)
                .description("pushes of entries sent again to an edge in a retry round, after a push to it failed")
                .register(registry).increment();
    }

    @Override
    public void deadLettered(String node, boolean refused) {
        Counter.builder("controlplane.deliveries.dead.lettered").tags("edge", node, "cause",
                refused ? "refused" : "exhausted")
                .description("entries dead-lettered for an edge: refused as invalid, or not applied within "
                        + "delivery.maxTries (exhausted)").register(registry).increment();
    }

    /** Counts what the traffic statistics take in and write behind. */
    public void watch(TrafficStats traffic) {
        io.micrometer.core.instrument.FunctionCounter.builder("controlplane.traffic.batches", traffic,
                TrafficStats::batchesCounted).tag("result", "counted")
                .description("traffic batches edges sent with heartbeats, by result (duplicate: sent again after a "
                        + "lost reply, not counted again)").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("controlplane.traffic.batches", traffic,
                TrafficStats::batchesDuplicate).tag("result", "duplicate").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("controlplane.traffic.rows.dropped", traffic,
                TrafficStats::rowsDropped).description("traffic rows dropped because their minute was past "
                        + "stats.retention or too far ahead of this clock").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("controlplane.traffic.write.failures", traffic,
                TrafficStats::writeFailures).description("write-behind writes of the traffic statistics that "
                        + "failed (kept in memory and tried again)").register(registry);
    }

    /** A steering answer (a 302 or, with no eligible edge anywhere, a 503); explanations are not counted. */
    public void steered(Decision decision) {
        String result = decision.chosen().isEmpty() ? "no_edge" : decision.fallback() ? "fallback" : "local";
        Counter.builder("controlplane.steering.decisions")
                .tags("client_region", decision.clientRegion(), "region", decision.servingRegion(),
                        "policy", decision.policy(), "via", decision.via(), "result", result)
                .description("clients steered, by the client's region, the region that serves it, the policy, the "
                        + "front door (http) and the result (local, fallback to another region, no_edge)").register(registry).increment();
    }

    /** A call refused with 429 because the token's budget for {@code action} was spent. */
    public void rateLimited(String action) {
        Counter.builder("controlplane.rate.limited").tag("action", action)
                .description("API calls refused (429) because the token's per-minute budget was spent, by action")
                .register(registry).increment();
    }

    /** Reads the per-edge and per-node rows from the log and the registry; runs before each scrape. */
    public void refresh(InvalidationLog log, Registry registry) {
        Map<String, Map<Delivery.State, Long>> perEdge = log.unappliedDeliveries(
                registry.edges().stream().map(Node::id).toList());
        List<MultiGauge.Row<?>> deliveryRows = new ArrayList<>();
        List<MultiGauge.Row<?>> deadRows = new ArrayList<>();
        perEdge.forEach((edge, counts) -> {
            for (Delivery.State state : UNAPPLIED) {
                deliveryRows.add(MultiGauge.Row.of(Tags.of("edge", edge, "state", state.wireName()),
                        counts.getOrDefault(state, 0L)));
            }
            deadRows.add(MultiGauge.Row.of(Tags.of("edge", edge), counts.getOrDefault(Delivery.State.FAILED, 0L)
                    + counts.getOrDefault(Delivery.State.EXPIRED, 0L)
                    + counts.getOrDefault(Delivery.State.DEAD_LETTERED, 0L)));
        });
        deliveries.register(deliveryRows, true);
        deadLetters.register(deadRows, true);
        Map<List<String>, Map<String, Integer>> byGroup = new TreeMap<>((a, b) -> String.join("/", a)
                .compareTo(String.join("/", b)));
        for (NodeStatus node : registry.statuses()) {
            byGroup.computeIfAbsent(List.of(node.kind(), node.region()), group -> new TreeMap<>())
                    .merge(state(node), 1, Integer::sum);
        }
        List<MultiGauge.Row<?>> nodeRows = new ArrayList<>();
        byGroup.forEach((group, counts) -> HEALTH_STATES.forEach(state -> nodeRows.add(MultiGauge.Row.of(
                Tags.of("kind", group.get(0), "region", group.get(1), "state", state), counts.getOrDefault(state, 0)))));
        nodes.register(nodeRows, true);
        Map<String, Map<String, Integer>> shieldsByRegion = new TreeMap<>();
        for (Node node : registry.edges()) {
            if (node.isShield()) {
                shieldsByRegion.computeIfAbsent(node.region(), r -> new TreeMap<>())
                        .merge(registry.shieldTier().state(node), 1, Integer::sum);
            }
        }
        List<MultiGauge.Row<?>> shieldRows = new ArrayList<>();
        shieldsByRegion.forEach((region, counts) -> SHIELD_STATES.forEach(state -> shieldRows.add(MultiGauge.Row.of(
                Tags.of("region", region, "state", state), counts.getOrDefault(state, 0)))));
        shields.register(shieldRows, true);
        heldForShields.set(Math.max(0, log.lastSequence() - registry.shieldTier().releasedToEdges()));
        holdingBack.set(registry.shieldTier().holdingBack());
        releasedWithoutShields.set(registry.shieldTier().releasedWithoutShields());
    }

    private static String state(NodeStatus node) {
        return node.fenced() ? "fenced" : !node.healthy() ? "unhealthy" : !node.caughtUp() ? "catching_up" : "healthy";
    }

    private static String name(Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        meters.close();
    }
}
