package dev.outpost.control.registry;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.wire.RegistrationReply;
import dev.outpost.common.wire.ServiceSnapshot;
import dev.outpost.common.wire.ShieldNode;
import dev.outpost.control.ControlPlaneConfig.HeartbeatSettings;
import dev.outpost.control.invalidation.InvalidationLog;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The nodes that registered, their health and whether they caught up with the invalidation log. Held in memory,
 * with registrations and applied sequences also kept in a {@link NodeStore} so a restarted control plane still
 * knows its edges; a node it does not know (its store was lost) is answered "unknown" and registers again, while
 * what it still has to apply lives in the durable log. Health is computed from the injected clock on every question, so
 * nothing runs in the background: a node is healthy when heard from within {@code heartbeat.timeout}; it is caught up
 * unless it is lagging (it missed an entry: it was down, a push to it failed, or it registered with an old
 * sequence) and its applied sequence has not yet reached the highest purge due in its region.
 *
 * <p>Heartbeats are also the catch-up channel: the reported applied sequence marks every delivery up to it as
 * applied, and the reply carries the next page of entries the node has not applied, oldest first (at most
 * {@link #CATCH_UP_PAGE} entries and {@code log.catchUpPageBytes}). A node that cannot catch up entry by entry (it
 * is behind the kept log, was fenced, or started empty and cached before it could register) is handed a reset
 * instead: one soft purge of everything at the newest sequence, and it is not steered to until it applied it.
 *
 * <p>Fencing: {@link #fenceUnreachable} (run periodically by the control plane) fences every edge not heard from
 * for the grace period; purges stop waiting for it (its deliveries turn {@code fenced}), and when it returns it
 * gets the reset before it is steered again.
 *
 * <p>Beside it: {@link ShieldTier} (how far each node may be handed the log, which shields edges may fetch from),
 * {@link CatchUpResults} (results reported for catch-up entries) and {@link NodeHealthLines} (the health log lines).
 */
public final class Registry {
    /** Entries per heartbeat reply; a node further behind is told {@code more} and heartbeats again at once. */
    public static final int CATCH_UP_PAGE = 200;
    private static final Logger LOG = System.getLogger(Registry.class.getName());

    private final Clock clock;
    /** What silence is measured to: stops when the control plane stops taking connections. */
    private final Hearing hearing;
    private final HeartbeatSettings settings;
    private final InvalidationLog log;
    private final NodeStore store;
    private final ConcurrentMap<String, Node> nodes = new ConcurrentHashMap<>();
    private final NodeHealthLines healthLines = new NodeHealthLines();
    /**
     * The delivery-service configuration as of a log sequence (handed out on registration and with a reset), and
     * the newest configuration version; built from the service tables, so compacting the log never loses it.
     */
    private final ConfigSource config;
    /** How far edges that are not shields are handed the log, and which shields they may fetch from. */
    private final ShieldTier shieldTier;

    /** Where the registry reads the configuration it hands to nodes ({@code ServiceStore}). */
    public interface ConfigSource {
        /** Nothing configured here: registrations and resets carry no configuration. */
        ConfigSource NONE = new ConfigSource() {
            @Override
            public Optional<ServiceSnapshot> snapshotAt(long sequence) {
                return Optional.empty();
            }

            @Override
            public long version() {
                return 0;
            }
        };

        Optional<ServiceSnapshot> snapshotAt(long sequence);

        long version();
    }

    public Registry(Clock clock, HeartbeatSettings settings, InvalidationLog log, NodeStore store) {
        this(clock, settings, log, store, ConfigSource.NONE);
    }

    /**
     * Starts with the nodes the store remembers, counted as just heard from: they keep being steered to (if caught
     * up) while their heartbeats resume, and turn unhealthy after the timeout if they do not. A fenced one stays
     * fenced until it revalidated everything.
     */
    public Registry(Clock clock, HeartbeatSettings settings, InvalidationLog log, NodeStore store,
            ConfigSource config) {
        this.config = config;
        this.clock = clock;
        this.hearing = new Hearing(clock);
        this.settings = settings;
        this.log = log;
        this.store = store;
        Instant now = clock.instant();
        ShieldGate gate = new ShieldGate(store, hearing::now, settings, log::lastSequence);
        this.shieldTier = new ShieldTier(gate, this::shieldsNow, this::healthy);
        List<NodeStore.Stored> known = store.all();
        if (known.stream().anyMatch(n -> n.registration().role() == NodeRegistration.Role.SHIELD)) {
            gate.expectShields(); // else nothing was held back: the stored mark may be behind the log
        }
        for (NodeStore.Stored stored : known) {
            nodes.put(stored.registration().id(), fromStore(stored, now));
        }
        shieldTier.check();
    }

    /** The shield tier: how far each node may be handed the log, and which shields edges may fetch from. */
    public ShieldTier shieldTier() {
        return shieldTier;
    }

    /** The shields as known now: with a shared store, as it holds them (another instance may have heard them). */
    private List<Node> shieldsNow() {
        if (store.shared()) {
            for (NodeStore.Stored s : store.shields()) {
                nodes.merge(s.registration().id(), fromStore(s, s.lastSeen()),
                        (mine, theirs) -> mine.mergedWith(s, due(mine.registration())));
            }
        }
        return nodes.values().stream().filter(Node::isShield).toList();
    }

    /**
     * What a node must have applied to be caught up: the highest purge or config entry of its region (of every
     * region for a shield), and for an edge no further than what it may be handed yet.
     */
    long due(NodeRegistration r) {
        return Math.min(log.dueSequence(Node.logRegion(r)), shieldTier.handOutLimit(r));
    }

    /** {@link #due(NodeRegistration)} of a registered node. */
    public long due(Node node) {
        return due(node.registration());
    }

    /** Where an edge registering with an empty cache (or done with a reset) stands: all it may be handed yet. */
    private long lastFor(NodeRegistration r) {
        return Math.min(log.lastSequence(), shieldTier.handOutLimit(r));
    }

    /** A node as stored, counted as heard from {@code heardAt}. */
    private Node fromStore(NodeStore.Stored stored, Instant heardAt) {
        NodeRegistration r = stored.registration();
        long applied = stored.appliedSequence();
        return new Node(r, stored.registeredAt(), heardAt, stored.stats().orElse(new Heartbeat(0, 0, 0, applied)),
                applied, applied < due(r), stored.fenced(), stored.resetDue() || stored.fenced(),
                0);
    }

    /**
     * Several control planes on one database (docs/high-availability.md): takes in what the others recorded since
     * the last call: nodes registered or removed there, heartbeats they received (health, statistics, the
     * configuration version a node runs), applied sequences, fencing and resets. Run by the change feed on every
     * notification and poll, so every control plane steers from the same state, at most a poll interval behind.
     */
    public void refresh() {
        if (!store.shared()) {
            return; // this control plane wrote everything there is
        }
        // known here before the read: a node registered here meanwhile is in the store already, or not yet here
        java.util.Set<String> knownBefore = new java.util.HashSet<>(nodes.keySet());
        java.util.Set<String> stored = new java.util.HashSet<>();
        for (NodeStore.Stored s : store.all()) {
            String id = s.registration().id();
            stored.add(id);
            nodes.merge(id, fromStore(s, s.lastSeen()),
                    (mine, theirs) -> mine.mergedWith(s, due(mine.registration())));
        }
        // removed through another control plane
        knownBefore.removeAll(stored);
        knownBefore.forEach(nodes::remove);
        shieldTier.check();
    }

    /** Registers (or re-registers) a node; already validated by the API. */
    public RegistrationReply register(NodeRegistration registration) {
        Instant now = clock.instant();
        if (store.shared()) {
            // fenced or not is the store's word: the node may have been fenced through another control plane
            store.find(registration.id()).ifPresent(stored -> nodes.merge(registration.id(),
                    fromStore(stored, stored.lastSeen()),
                    (mine, theirs) -> mine.mergedWith(stored, due(mine.registration()))));
        }
        boolean wasFenced = node(registration.id()).map(Node::fenced).orElse(false);
        long applied;
        boolean resetDue;
        String logRegion = Node.logRegion(registration);
        if (registration.cacheEmpty()) {
            // A node starting with an empty cache holds nothing any earlier entry could concern. An edge behind
            // shields still fetches from them: it stands at what shields applied, and gets the rest after them.
            applied = lastFor(registration);
            resetDue = false;
        } else {
            // Entries dead-lettered for it right after its mark were passed over (it moved on without them): it
            // resumes after them, and a dead letter that is the region's last purge does not keep it out of steering.
            // A mark past this log's end was made against another log (the control plane's data was replaced, an
            // edge kept its disk): it is clamped, so the node learns its mark is not this log's and revalidates.
            long claimed = Math.min(registration.appliedSequence(), log.lastSequence());
            applied = log.deadLetters().pastDeadLetters(registration.id(), logRegion, claimed);
            // Started empty but cached while it could not register: nothing to replay, but what it holds may
            // have been purged meanwhile. Fenced, or behind the kept log: it cannot catch up entry by entry.
            resetDue = registration.startedEmpty() || wasFenced
                    || log.behindKeptLog(logRegion, applied);
            resetDue &= applied < lastFor(registration);
        }
        boolean fenced = wasFenced && resetDue;
        healthLines.registeredAgain(registration.id(), fenced, wasFenced);
        log.markAppliedUpTo(registration.id(), applied);
        long due = due(registration);
        store.registered(registration, now, applied, fenced, resetDue);
        nodes.put(registration.id(), new Node(registration, now, now, new Heartbeat(0, 0, 0, applied), applied,
                applied < due, fenced, resetDue, 0));
        if (registration.role() == NodeRegistration.Role.SHIELD) {
            shieldTier.check(); // one behind the mark waits until caught up; one caught up now holds the edges back
        }
        if (resetDue) {
            LOG.log(Level.INFO, () -> registration.id() + " registered at sequence " + applied + (wasFenced
                    ? " after being fenced" : registration.startedEmpty() ? " having cached while unregistered"
                    : " behind the kept log") + ": it revalidates everything before it is steered to");
        }
        // as of the sequence it starts from: the config entries after it reach it through the log like purges
        return new RegistrationReply(registration.id(), applied, due, settings.interval().toMillis(),
                config.snapshotAt(applied).orElse(null));
    }

    /** Records a heartbeat and answers with what the node still has to apply; empty for an unknown node. */
    public Optional<HeartbeatReply> heartbeat(String id, Heartbeat heartbeat) {
        Instant now = clock.instant();
        if (!nodes.containsKey(id) && store.shared()) {
            // registered through another control plane, not refreshed here yet
            store.find(id).ifPresent(stored -> nodes.putIfAbsent(id, fromStore(stored, stored.lastSeen())));
        }
        Node[] before = {null};
        Node node = nodes.computeIfPresent(id, (key, old) -> {
            before[0] = old;
            return old.heard(now, heartbeat, due(old));
        });
        if (node == null) {
            return Optional.empty();
        }
        healthLines.heardAgain(id, before[0]);
        if (heartbeat.saysLeaving()) {
            LOG.log(Level.INFO, () -> id + " is leaving (stopping): no longer steered to, until it registers again");
        }
        CatchUpResults.record(log, id, heartbeat.results());
        if (store.shared()) {
            // every control plane steers from the node's health and reads the configuration version it runs
            store.heard(id, now, heartbeat, node.appliedSequence());
        } else if (node.appliedSequence() > before[0].appliedSequence()) {
            store.applied(id, node.appliedSequence());
        }
        if (before[0].resetDue() && !node.resetDue()) {
            finishedReset(node, before[0].fenced());
        }
        log.markAppliedUpTo(id, node.appliedSequence());
        // a shield's ack may release the edges; any heartbeat's reply names the shields usable right now
        List<ShieldNode> shields = shieldTier.check().usable();
        long due = due(node);
        if (!node.isEdge()) {
            return Optional.of(new HeartbeatReply(due, List.of(), false, node.appliedSequence() >= due, false, null,
                    shields));
        }
        if (node.resetDue() || log.behindKeptLog(node.logRegion(), node.appliedSequence())) {
            long target = lastFor(node.registration());
            if (target > node.appliedSequence()) {
                nodes.computeIfPresent(id, (key, old) -> old.resetAt(target));
                return Optional.of(new HeartbeatReply(due, List.of(reset(target)), false, false, true,
                        config.snapshotAt(target).orElse(null), shields));
            }
            Node done = nodes.computeIfPresent(id, (key, old) -> old.resetDone());
            finishedReset(done, node.fenced());
            node = done;
        }
        InvalidationLog.Page page = log.page(node.appliedSequence(), shieldTier.handOutLimit(node),
                node.logRegion(), CATCH_UP_PAGE);
        return Optional.of(new HeartbeatReply(due, page.entries(), page.more(), caughtUp(node), false, null,
                shields));
    }

    /** The one entry a reset hands over: revalidate everything held, and count everything up to now as applied. */
    private static InvalidationEntry reset(long sequence) {
        return new InvalidationEntry(sequence, InvalidationEntry.Kind.PURGE, List.of(), List.of(), List.of(),
                List.of(), true, true, List.of());
    }

    private void finishedReset(Node node, boolean wasFenced) {
        store.resetDone(node.id());
        LOG.log(Level.INFO, () -> node.id() + " revalidated everything (at sequence " + node.appliedSequence()
                + ")" + (wasFenced ? "; no longer fenced" : ""));
    }

    /**
     * Records a live push's ack: the dispatcher only pushes the next entry after the node's applied sequence, so
     * the node has now applied everything up to {@code sequence}.
     */
    public void acked(String id, long sequence) {
        Node[] before = {null};
        Node node = nodes.computeIfPresent(id, (key, old) -> {
            before[0] = old;
            return old.applied(sequence, due(old));
        });
        if (node != null) {
            store.applied(id, node.appliedSequence());
            if (before[0].resetDue() && !node.resetDue()) {
                finishedReset(node, before[0].fenced());
            }
            if (node.isShield()) {
                shieldTier.check();
            }
        }
    }

    /** Records that an entry did not reach the node live: it is lagging until it applied everything due. */
    public void fellBehind(String id) {
        nodes.computeIfPresent(id, (key, node) -> node.fellBehind());
    }

    /**
     * Fences every edge not heard from for longer than {@code grace}: out of steering, no longer waited for by
     * purges, and handed a reset (revalidate everything) when it returns. Returns the ids fenced now.
     */
    public List<String> fenceUnreachable(Duration grace) {
        if (hearing.stopped()) {
            return List.of(); // stopping: the silence since says nothing about the edges
        }
        Instant now = clock.instant();
        List<String> fenced = new ArrayList<>();
        for (Node candidate : edges()) {
            if (!candidate.fenced() && !healthy(candidate)) {
                healthLines.unhealthy(candidate, settings.timeout());
            }
            if (candidate.fenced() || !Duration.between(candidate.lastSeen(), now).minus(grace).isPositive()) {
                continue;
            }
            // the store decides, so of several control planes one fences it, and none that another heard from
            if (store.fence(candidate.id(), now.minus(grace))) {
                nodes.computeIfPresent(candidate.id(), (key, old) -> old.fence());
                String reason = "edge fenced: not heard from for more than " + grace.toMillis() + " ms; it "
                        + "revalidates everything when it returns";
                int released = log.markFenced(candidate.id(), reason);
                healthLines.fenced(candidate, released);
                fenced.add(candidate.id());
            }
        }
        // a shield silent past the timeout and an interval stops holding the edges back
        shieldTier.check();
        return fenced;
    }

    /**
     * Forgets a node (decommissioned): it is no longer steered to, and entries it had not applied stop holding their
     * status at partial. If it heartbeats again it is told it is unknown and registers anew.
     */
    public boolean remove(String id) {
        Node removed = nodes.remove(id);
        store.removed(id);
        log.markRemoved(id);
        if (removed != null && removed.isShield()) {
            shieldTier.check();
        }
        return removed != null;
    }

    public Optional<Node> node(String id) {
        return Optional.ofNullable(nodes.get(id));
    }

    /** Every registered edge, healthy or not, ordered by id. */
    public List<Node> edges() {
        return nodes.values().stream().filter(Node::isEdge).sorted(Comparator.comparing(Node::id)).toList();
    }

    /**
     * Heard from within the heartbeat timeout, and its last heartbeat did not say it is leaving (a node that is
     * stopping says so as it starts draining: steering must not wait for its timeout to send clients elsewhere).
     */
    public boolean healthy(Node node) {
        return !node.stats().saysLeaving()
                && Duration.between(node.lastSeen(), hearing.now()).compareTo(settings.timeout()) <= 0;
    }

    /**
     * The control plane stops taking connections (it is stopping): from now on no node's silence counts, so the
     * health it answers with in its last seconds (to steering, replicas and the shield tier) is the health it heard.
     */
    public void stopHearing() {
        hearing.stop();
    }

    /**
     * Applied everything due, or at least missed nothing: entries still in flight on live pushes (acked within
     * milliseconds) do not take an edge out of steering, or every purge would briefly empty every region. A fenced
     * edge, or one that must revalidate everything, is not caught up until it has.
     */
    public boolean caughtUp(Node node) {
        return !node.fenced() && !node.resetDue()
                && (!node.lagging() || node.appliedSequence() >= due(node));
    }

    /** Healthy and caught up: the only edges steering may choose. */
    public boolean steerable(Node node) {
        return node.isEdge() && healthy(node) && caughtUp(node);
    }

    public List<NodeStatus> statuses() {
        long newestConfig = config.version(); // one read for all rows
        return nodes.values().stream().sorted(Comparator.comparing(Node::id)).map(n -> NodeStatus.of(n, healthy(n), caughtUp(n), due(n), newestConfig))
                .toList();
    }
}
