package dev.outpost.control.http;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.control.invalidation.Delivery;
import dev.outpost.control.invalidation.EntryStatus;
import dev.outpost.control.invalidation.LoggedEntry;
import dev.outpost.control.registry.NodeStatus;
import dev.outpost.control.steering.Decision;
import dev.outpost.control.steering.SteeringSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/** The JSON answers of the API, as records; docs/api.md shows each one. */
final class Views {
    private Views() {
    }

    /** 202 answer to a purge, push or origin event. */
    record Accepted(String id, long sequence, String status) {
    }

    /** One edge's state for an entry. */
    record EdgeState(String id, String state, Optional<Instant> appliedAt, Optional<String> detail) {
        static EdgeState of(Delivery d) {
            return new EdgeState(d.node(), d.state().wireName(), d.appliedAt(), d.detail());
        }
    }

    /**
     * A purge or push with its per-edge progress. {@code timeToLastAckMillis}: from acceptance to the latest ack
     * so far (final once {@code status} is complete); absent until some edge acked. {@code fencedEdges}: edges in
     * scope that were fenced (unreachable past the grace period), which the status no longer waits for; {@code
     * failedEdges}: edges where a push stored not every URL (or expired before they got it); {@code
     * deadLetteredEdges}: edges that refused the entry or could not apply it, and moved on without it (open dead
     * letters, see {@code /api/v1/dead-letters}). {@code tiers}: the same progress per tier (docs/caching-tiers.md),
     * {@code waitingOn} the tier it waits on ({@code shield} first: the other edges get it only once every shield
     * applied it; absent once nothing is pending or behind).
     */
    record Entry(String id, long sequence, String kind, String status, Instant acceptedAt, String requestedBy,
            List<String> urls, List<String> prefixes, List<String> tags, List<String> hosts, boolean all,
            boolean soft, List<String> regions, int edgesApplied, int edgesTotal, Optional<Long> timeToLastAckMillis,
            List<String> fencedEdges, List<String> failedEdges, List<String> deadLetteredEdges,
            List<EdgeState> edges, Tiers tiers, Optional<String> waitingOn) {
        static Entry of(LoggedEntry logged, List<Delivery> deliveries, Predicate<String> shield) {
            InvalidationEntry e = logged.entry();
            Optional<Long> lastAck = deliveries.stream().flatMap(d -> d.appliedAt().stream())
                    .max(Instant::compareTo)
                    .map(at -> Math.max(0, Duration.between(logged.acceptedAt(), at).toMillis()));
            int applied = (int) deliveries.stream().filter(d -> d.state() == Delivery.State.APPLIED).count();
            return new Entry(logged.id(), e.sequence(), e.kind().name().toLowerCase(java.util.Locale.ROOT),
                    EntryStatus.of(deliveries).wireName(), logged.acceptedAt(), logged.requestedBy(), e.urls(),
                    e.prefixes(), e.tags(), e.hosts(), e.all(), e.soft(), e.regions(), applied, deliveries.size(),
                    lastAck, named(deliveries, Delivery.State.FENCED), deliveries.stream().filter(d -> d.state()
                            == Delivery.State.FAILED || d.state() == Delivery.State.EXPIRED).map(Delivery::node)
                            .toList(), named(deliveries, Delivery.State.DEAD_LETTERED),
                    deliveries.stream().map(EdgeState::of).toList(), Tiers.of(deliveries, shield),
                    waitingOn(deliveries, shield));
        }

        private static Optional<String> waitingOn(List<Delivery> deliveries, Predicate<String> shield) {
            List<Delivery> open = deliveries.stream().filter(d -> d.state() == Delivery.State.PENDING
                    || d.state() == Delivery.State.BEHIND).toList();
            if (open.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(open.stream().anyMatch(d -> shield.test(d.node())) ? "shield" : "edge");
        }

        private static List<String> named(List<Delivery> deliveries, Delivery.State state) {
            return deliveries.stream().filter(d -> d.state() == state).map(Delivery::node).toList();
        }
    }

    /** An entry's progress per tier: nodes in scope of each and how many applied it. */
    record Tiers(Tier shield, Tier edge) {
        static Tiers of(List<Delivery> deliveries, Predicate<String> shield) {
            return new Tiers(Tier.of(deliveries.stream().filter(d -> shield.test(d.node())).toList()),
                    Tier.of(deliveries.stream().filter(d -> !shield.test(d.node())).toList()));
        }
    }

    record Tier(int nodes, int applied) {
        static Tier of(List<Delivery> deliveries) {
            return new Tier(deliveries.size(),
                    (int) deliveries.stream().filter(d -> d.state() == Delivery.State.APPLIED).count());
        }
    }

    /** A listing; {@code more}: older entries were left out (by limit or size), {@code next} the query for them. */
    record Purges(List<Entry> purges, boolean more, Optional<String> next) {
    }

    record Pushes(List<Entry> pushes, boolean more, Optional<String> next) {
    }

    record Nodes(List<NodeStatus> nodes) {
    }

    /** One dead letter ({@code GET /api/v1/dead-letters}, and the answer to a retry or discard). */
    record DeadLetter(long sequence, String id, String node, String kind, String state, String reason, int tries,
            Instant deadLetteredAt, Optional<Instant> appliedAt) {
        static DeadLetter of(dev.outpost.control.invalidation.DeadLetter d) {
            InvalidationEntry.Kind kind = d.kind();
            return new DeadLetter(d.sequence(), dev.outpost.control.invalidation.Ids.of(kind, d.sequence()),
                    d.node(), kind.name().toLowerCase(java.util.Locale.ROOT), d.state().wireName(), d.reason(),
                    d.tries(), d.deadLetteredAt(), d.appliedAt());
        }
    }

    /** A page of dead letters, oldest entry first; {@code next} is the query for the following page. */
    record DeadLetters(List<DeadLetter> deadLetters, boolean more, Optional<String> next) {
    }

    /** {@code GET /api/v1/ca}: the CA certificate nodes and clients trust, and its SHA-256 (what nodes pin). */
    record Ca(String certificate, String sha256) {
    }

    record Removed(String id, boolean removed) {
    }

    /**
     * {@code GET /api/v1/route}: the decision, the front door it explains ({@code via}), the policy that chose
     * and the inputs it used; {@code ranked} is every eligible edge in the policy's order. {@code dns} only for
     * {@code via=dns}: the records the DNS server answers and the ECS scope it gives them.
     */
    record Route(String via, String client, String clientRegion, Optional<String> matchedCidr,
            String servingRegion, boolean fallback, String cacheKey, List<String> candidates, List<String> skipped,
            String policy, Map<String, String> inputs, List<String> ranked, Optional<String> chosen,
            Optional<String> location, Optional<DnsAnswer> dns, String reason, State state) {
        static Route of(Decision d, Optional<String> location, SteeringSource.Freshness freshness) {
            return of(d, location, freshness, Optional.empty());
        }

        static Route of(Decision d, Optional<String> location, SteeringSource.Freshness freshness,
                Optional<DnsAnswer> dns) {
            return new Route(d.via(), d.client(), d.clientRegion(), d.matchedCidr(), d.servingRegion(),
                    d.fallback(), d.cacheKey(), d.candidates(), d.skipped(), d.policy(), new TreeMap<>(d.inputs()),
                    d.ranked().stream().map(c -> c.id()).toList(), d.chosen().map(c -> c.id()), location, dns,
                    d.reason(), State.of(freshness));
        }
    }

    /**
     * What a route decision was made by: the control plane's own registry ({@code control-plane}, age 0) or a
     * steering replica's last fetched state, its age, whether it is past the replica's {@code staleAfter}, its version
     * and, while no control plane answers, why.
     */
    record State(String source, long ageSeconds, boolean stale, Optional<String> version, Optional<String> lastError) {
        static State of(SteeringSource.Freshness f) {
            return new State(f.source(), f.ageSeconds(), f.stale(), f.version(), f.lastError());
        }
    }

    /** The records a DNS query is answered with: their type, addresses and the ECS scope prefix (when ECS). */
    record DnsAnswer(String type, List<String> addresses, Optional<Integer> scopePrefix) {
    }
}
