package dev.outpost.control.invalidation;

import dev.outpost.common.wire.EdgeAdmin;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.control.DeliverySettings;
import dev.outpost.control.registry.Node;
import dev.outpost.control.registry.Registry;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import okhttp3.OkHttpClient;

/**
 * Accepts purges, pushes and configuration changes: logs each durably, then pushes it to every edge in scope at
 * once, in parallel, through the edge's own admin API (the contract of {@link EdgeAdmin}, carried out by
 * {@link EdgeCalls}), and records each 2xx as the edge's ack. One lane per edge (a virtual thread while it has work)
 * keeps that edge's entries in sequence order; lanes of different edges run side by side, and an edge that left keeps
 * none ({@link DeliveryLanes}).
 *
 * <p>This class decides which edges an entry is for and hands it to them; {@link OrderedDelivery} decides what
 * reaches each edge and when: the ordering rule (only an edge's very next entry is pushed live, anything else is
 * {@code behind}), the retry rounds after {@code delivery.retryInitial} doubling up to {@code delivery.retryMax},
 * the entries the shields hold back, and the dead letters (an entry refused as invalid, or not applied within
 * {@code delivery.maxTries}), which an operator retries ({@link #retryDeadLetter}) or discards.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Dispatcher.class.getName());

    private final InvalidationLog log;
    private final Registry registry;
    private final Ownership ownership;
    /** Several control planes share the log: entries reach the lanes through {@link #deliverNew} only. */
    private final boolean shared;
    private final DeliveryLanes lanes;
    private final EdgeCalls calls;
    private final OrderedDelivery delivery;

    public Dispatcher(InvalidationLog log, Registry registry, OkHttpClient client, Optional<String> edgeToken) {
        this(log, registry, client, edgeToken, DeliverySettings.DEFAULTS);
    }

    public Dispatcher(InvalidationLog log, Registry registry, OkHttpClient client, Optional<String> edgeToken,
            DeliverySettings settings) {
        this(log, registry, client, edgeToken, settings, DeliveryObserver.NONE);
    }

    /**
     * Which edges this control plane pushes to live and retries (docs/high-availability.md): with several control
     * planes on one database each edge is one's (rendezvous hashing over the live ones); the others leave its
     * deliveries to that one, and to the edge's heartbeat catch-up, which any control plane answers. A wrong
     * answer costs only a duplicate push, which the edge's in-order gate ignores, or a push left to the catch-up.
     */
    @FunctionalInterface
    public interface Ownership {
        /** One control plane: every edge is its own. */
        Ownership ALL = edgeId -> true;

        boolean owns(String edgeId);
    }

    /** A dispatcher that tells {@code observer} of every retried push (the metrics). */
    public Dispatcher(InvalidationLog log, Registry registry, OkHttpClient client, Optional<String> edgeToken,
            DeliverySettings settings, DeliveryObserver observer) {
        this(log, registry, client, edgeToken, settings, observer, Ownership.ALL);
    }

    /** A dispatcher that pushes only to the edges {@code ownership} gives it. */
    public Dispatcher(InvalidationLog log, Registry registry, OkHttpClient client, Optional<String> edgeToken,
            DeliverySettings settings, DeliveryObserver observer, Ownership ownership) {
        this.ownership = ownership;
        this.shared = ownership != Ownership.ALL;
        this.log = log;
        this.registry = registry;
        this.lanes = new DeliveryLanes(settings);
        this.calls = new EdgeCalls(log, registry, client, edgeToken, lanes::closed);
        this.delivery = new OrderedDelivery(log, registry, settings, observer, ownership, calls, lanes);
        registry.shieldTier().onReleased(delivery::release);
    }

    /** Logs the entry and starts pushing it; see {@link #submit(NewEntry, String, Optional)}. */
    public LoggedEntry submit(NewEntry entry, String requestedBy) {
        return submit(entry, requestedBy, Optional.empty()).logged();
    }

    /**
     * Logs the entry (durably: it is on disk when this returns) and starts pushing it to the edges in scope; with
     * an Idempotency-Key used before for the same request, only answers the first entry. Edges fenced (and still
     * unreachable) are not waited for. Synchronized so that lanes receive entries in the order the log numbered
     * them.
     *
     * @throws IdempotencyKey.Reused when the key was used for a different request
     */
    public synchronized InvalidationLog.Appended submit(NewEntry entry, String requestedBy,
            Optional<IdempotencyKey> key) {
        List<Node> inScope = inScope(entry);
        InvalidationLog.Appended appended = log.append(entry, initialDeliveries(inScope), requestedBy, key);
        if (!appended.replayed()) {
            accepted(appended.logged(), inScope, requestedBy);
            registry.shieldTier().check(); // with no shield holding the edges back, it goes to every edge at once
            if (shared) {
                deliverNew();
            } else {
                dispatch(appended.logged(), inScope);
            }
        }
        return appended;
    }

    /**
     * Logs {@code entries} (every region's: a configuration change and the purge it needs) with consecutive
     * sequences and {@code alsoWrite} in one durable transaction, then starts pushing them, in order.
     */
    public synchronized List<LoggedEntry> submitAll(List<NewEntry> entries, String requestedBy,
            InvalidationLog.AlsoWrite alsoWrite) {
        if (entries.stream().anyMatch(e -> !e.regions().isEmpty())) {
            throw new IllegalArgumentException("entries logged together reach every region");
        }
        List<Node> inScope = inScope(entries.get(0));
        List<LoggedEntry> logged = log.appendAll(entries, initialDeliveries(inScope), requestedBy, alsoWrite);
        logged.forEach(e -> accepted(e, inScope, requestedBy));
        registry.shieldTier().check();
        if (shared) {
            deliverNew();
        } else {
            logged.forEach(e -> dispatch(e, inScope));
        }
        return logged;
    }

    private List<Node> inScope(NewEntry entry) {
        // with several control planes, an edge that registered through another one a moment ago is waited for too
        registry.refresh();
        // a shield holds objects for the edges of every region: every entry reaches it
        return registry.edges().stream().filter(n -> n.isShield() || entry.covers(n.region())).toList();
    }

    private Map<String, Delivery.State> initialDeliveries(List<Node> inScope) {
        Map<String, Delivery.State> initial = new LinkedHashMap<>();
        for (Node node : inScope) {
            initial.put(node.id(), fencedAway(node) ? Delivery.State.FENCED : Delivery.State.PENDING);
        }
        return initial;
    }

    private static void accepted(LoggedEntry logged, List<Node> inScope, String requestedBy) {
        LOG.log(Level.INFO, () -> "entry accepted: id=" + logged.id() + " sequence=" + logged.sequence() + " by="
                + requestedBy + " edges=" + inScope.size() + " scope=\"" + describe(logged.entry()) + "\"");
    }

    private void dispatch(LoggedEntry logged, List<Node> inScope) {
        for (Node node : inScope) {
            if (fencedAway(node) || !ownership.owns(node.id())) {
                continue;
            }
            if (!registry.healthy(node)) {
                delivery.behind(logged.sequence(), node.id(), "edge unhealthy when accepted; retried, and sent on "
                        + "its heartbeat");
                delivery.scheduleRetry(node.id());
            } else if (node.registration().adminUrl().isEmpty()) {
                delivery.behind(logged.sequence(), node.id(), "edge has no admin URL; sent on its heartbeat");
            } else {
                delivery.pushLive(logged.entry(), node);
            }
        }
    }

    /**
     * Several control planes on one database: hands the entries appended since the last call (here or by another
     * control plane, read by {@link InvalidationLog#learnNewEntries} in sequence order, each once) to the lanes of
     * this control plane's edges, so a lane receives its edge's entries in sequence order whichever control plane
     * accepted them. Deliveries still pending are handed over, and so are those behind: no lane here saw the entry
     * yet, so another control plane set it aside, one that counted the edge its own for a moment (its view of the
     * live control planes was a lease behind) and whose view of the edge's applied mark was a poll behind. Left
     * alone, such an entry waited for a retry round or the edge's heartbeat, and every later entry with it (the
     * lane pushes an edge's next entry only); handed over, the lane pushes it if it is the edge's next one. The
     * others were settled already (acked, a heartbeat's catch-up, fencing). Called after each append here and by
     * the change feed.
     */
    public synchronized void deliverNew() {
        List<LoggedEntry> learned = log.learnNewEntries();
        if (!learned.isEmpty()) {
            registry.shieldTier().check(); // raises the stored mark first when no shield holds the edges back
        }
        for (LoggedEntry logged : learned) {
            Set<String> unsettled = new HashSet<>();
            for (Delivery d : log.deliveries(logged.sequence())) {
                if (d.state() == Delivery.State.PENDING || d.state() == Delivery.State.BEHIND) {
                    unsettled.add(d.node());
                }
            }
            dispatch(logged, registry.edges().stream().filter(node -> unsettled.contains(node.id())).toList());
        }
    }

    /**
     * Starts retry rounds for every edge of this control plane's that has not applied the whole log: after the set
     * of live control planes changed, the edges a stopped one pushed to are this one's now, and what it had not
     * pushed yet must not wait for their heartbeats.
     */
    public void catchUpOwned() {
        long last = log.lastSequence();
        for (Node node : registry.edges()) {
            if (!node.fenced() && node.appliedSequence() < Math.min(last, registry.shieldTier().handOutLimit(node))
                    && ownership.owns(node.id())
                    && node.registration().adminUrl().isPresent()) {
                delivery.scheduleRetry(node.id());
            }
        }
    }

    /** Fenced and not heard from since: nothing is waited for from it (it revalidates everything on return). */
    private boolean fencedAway(Node node) {
        return node.fenced() && !registry.healthy(node);
    }

    /**
     * After a restart no push is in flight any more: deliveries still pending are behind, and the control plane
     * retries every edge that is behind; they also reach their edges through the catch-up once those heartbeat.
     */
    public void recoverAfterRestart() {
        if (!shared) {
            // with several control planes, pending deliveries may be another one's pushes in flight: left alone
            // (the owner acks them, or its successor retries them once its lease ran out)
            log.markPendingBehind("control plane restarted before the edge acked; retried, and sent on its "
                    + "heartbeat");
        }
        for (Node node : registry.edges()) {
            if (!node.fenced() && node.appliedSequence() < log.lastSequence() && ownership.owns(node.id())) {
                delivery.scheduleRetry(node.id());
            }
        }
    }

    /** What an operator's retry of a dead letter came to: {@code applied} with the edge's answer, or why not. */
    public record RetryOutcome(boolean applied, String detail) {
    }

    /**
     * An operator's retry of entry {@code entry} dead-lettered for {@code node}: pushes it as an operator's call
     * (without its sequence: the edge's mark is past it, so its in-order gate would answer "already applied"), and
     * records the outcome: applied with the edge's answer, or the dead letter stays open with the new reason.
     * Applying an older purge or push after later ones is safe: a purge only removes more, a push fetches what the
     * origin holds now.
     */
    public RetryOutcome retryDeadLetter(InvalidationEntry entry, Node node) {
        return calls.operatorRetry(entry, node);
    }

    /** How many edges have a delivery lane now: those with work queued or running, whether registered or not. */
    int openLanes() {
        return lanes.lanes();
    }

    private static String describe(InvalidationEntry e) {
        if (e.kind() == Kind.CONFIG) {
            return "configuration version " + e.config().version() + (e.config().deletes() ? " deletes" : " sets")
                    + " service " + e.config().service();
        }
        StringBuilder out = new StringBuilder(e.kind() == Kind.PUSH ? "push" : e.soft() ? "soft purge" : "purge");
        if (e.all()) {
            out.append(" of everything");
        }
        appendCount(out, e.urls().size(), "urls");
        appendCount(out, e.prefixes().size(), "prefixes");
        appendCount(out, e.tags().size(), "tags");
        appendCount(out, e.hosts().size(), "hosts");
        return out.append(e.regions().isEmpty() ? " in every region" : " in " + e.regions()).toString();
    }

    private static void appendCount(StringBuilder out, int count, String what) {
        if (count > 0) {
            out.append(' ').append(count).append(' ').append(what);
        }
    }

    @Override
    public void close() {
        lanes.close();
    }
}
