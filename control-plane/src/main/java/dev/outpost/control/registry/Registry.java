package dev.outpost.control.registry;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.wire.RegistrationReply;
import dev.outpost.control.ControlPlaneConfig.HeartbeatSettings;
import dev.outpost.control.invalidation.InvalidationLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The nodes that registered, their health and whether they caught up with the invalidation log. Held in memory,
 * with registrations and applied sequences also kept in a {@link NodeStore} so a restarted control plane still
 * knows its edges; a node it does not know (its store was lost) is answered "unknown" and registers again, while
 * what it still has to apply lives in the durable log. Health is computed from the injected clock on every question, so
 * nothing runs in the background: a node is healthy when heard from within {@code timeoutMillis}; it is caught up
 * unless it is lagging (it missed an entry: it was down, a push to it failed, or it registered with an old
 * sequence) and its applied sequence has not yet reached the highest purge due in its region.
 *
 * <p>Heartbeats are also the catch-up channel: the reported applied sequence marks every delivery up to it as
 * applied, and the reply carries the next page of entries the node has not applied, oldest first.
 */
public final class Registry {
    /** Entries per heartbeat reply; a node further behind is told {@code more} and heartbeats again at once. */
    public static final int CATCH_UP_PAGE = 200;

    private final Clock clock;
    private final HeartbeatSettings settings;
    private final InvalidationLog log;
    private final NodeStore store;
    private final ConcurrentMap<String, Node> nodes = new ConcurrentHashMap<>();

    /**
     * Starts with the nodes the store remembers, counted as just heard from: they keep being steered to (if caught
     * up) while their heartbeats resume, and turn unhealthy after the timeout if they do not.
     */
    public Registry(Clock clock, HeartbeatSettings settings, InvalidationLog log, NodeStore store) {
        this.clock = clock;
        this.settings = settings;
        this.log = log;
        this.store = store;
        Instant now = clock.instant();
        for (NodeStore.Stored stored : store.all()) {
            NodeRegistration r = stored.registration();
            long applied = stored.appliedSequence();
            nodes.put(r.id(), new Node(r, stored.registeredAt(), now, new Heartbeat(0, 0, 0, applied), applied,
                    applied < log.dueSequence(r.region())));
        }
    }

    /** Registers (or re-registers) a node; already validated by the API. */
    public RegistrationReply register(NodeRegistration registration) {
        Instant now = clock.instant();
        // A node starting with an empty cache holds nothing any earlier entry could concern.
        long applied = registration.cacheEmpty() ? log.lastSequence() : registration.appliedSequence();
        log.markAppliedUpTo(registration.id(), applied);
        long due = log.dueSequence(registration.region());
        store.registered(registration, now, applied);
        nodes.put(registration.id(), new Node(registration, now, now, new Heartbeat(0, 0, 0, applied), applied,
                applied < due));
        return new RegistrationReply(registration.id(), applied, log.dueSequence(registration.region()),
                settings.intervalMillis());
    }

    /** Records a heartbeat and answers with what the node still has to apply; empty for an unknown node. */
    public Optional<HeartbeatReply> heartbeat(String id, Heartbeat heartbeat) {
        Instant now = clock.instant();
        long[] before = {0};
        Node node = nodes.computeIfPresent(id, (key, old) -> {
            before[0] = old.appliedSequence();
            return old.heard(now, heartbeat, log.dueSequence(old.region()));
        });
        if (node == null) {
            return Optional.empty();
        }
        if (node.appliedSequence() > before[0]) {
            store.applied(id, node.appliedSequence());
        }
        log.markAppliedUpTo(id, node.appliedSequence());
        long due = log.dueSequence(node.region());
        List<InvalidationEntry> missed = node.isEdge()
                ? log.entriesAfter(node.appliedSequence(), node.region(), CATCH_UP_PAGE + 1)
                : List.of();
        boolean more = missed.size() > CATCH_UP_PAGE;
        return Optional.of(new HeartbeatReply(due, more ? missed.subList(0, CATCH_UP_PAGE) : missed, more,
                node.appliedSequence() >= due));
    }

    /**
     * Records a live push's ack: the dispatcher only pushes the next entry after the node's applied sequence, so
     * the node has now applied everything up to {@code sequence}.
     */
    public void acked(String id, long sequence) {
        Node node = nodes.computeIfPresent(id, (key, old) -> old.applied(sequence, log.dueSequence(old.region())));
        if (node != null) {
            store.applied(id, node.appliedSequence());
        }
    }

    /** Records that an entry did not reach the node live: it is lagging until it applied everything due. */
    public void fellBehind(String id) {
        nodes.computeIfPresent(id, (key, node) -> node.fellBehind());
    }

    /**
     * Forgets a node (decommissioned): it is no longer steered to, and entries it had not applied stop holding their
     * status at partial. If it heartbeats again it is told it is unknown and registers anew.
     */
    public boolean remove(String id) {
        Node removed = nodes.remove(id);
        store.removed(id);
        log.markRemoved(id);
        return removed != null;
    }

    public Optional<Node> node(String id) {
        return Optional.ofNullable(nodes.get(id));
    }

    /** Every registered edge, healthy or not, ordered by id. */
    public List<Node> edges() {
        return nodes.values().stream().filter(Node::isEdge).sorted(Comparator.comparing(Node::id)).toList();
    }

    public boolean healthy(Node node) {
        return Duration.between(node.lastSeen(), clock.instant()).toMillis() <= settings.timeoutMillis();
    }

    /**
     * Applied everything due, or at least missed nothing: entries still in flight on live pushes (acked within
     * milliseconds) do not take an edge out of steering, or every purge would briefly empty every region.
     */
    public boolean caughtUp(Node node) {
        return !node.lagging() || node.appliedSequence() >= log.dueSequence(node.region());
    }

    /** Healthy and caught up: the only edges steering may choose. */
    public boolean steerable(Node node) {
        return node.isEdge() && healthy(node) && caughtUp(node);
    }

    public List<NodeStatus> statuses() {
        return nodes.values().stream().sorted(Comparator.comparing(Node::id)).map(this::status).toList();
    }

    private NodeStatus status(Node node) {
        NodeRegistration r = node.registration();
        return new NodeStatus(r.id(), r.kind().name().toLowerCase(Locale.ROOT), r.region(), r.publicUrl(),
                r.adminUrl(), healthy(node), caughtUp(node), node.appliedSequence(),
                log.dueSequence(node.region()), node.registeredAt(), node.lastSeen(), node.stats().requests(),
                node.stats().hitRatio(), node.stats().bytesCached());
    }
}
