package dev.outpost.control.invalidation;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.EdgeAdmin;
import dev.outpost.common.wire.EdgePrefetch;
import dev.outpost.common.wire.EdgePurge;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.control.DeliverySettings;
import dev.outpost.control.registry.Node;
import dev.outpost.control.registry.Registry;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Accepts purges, pushes and configuration changes: logs each durably, then pushes it to every edge in scope at
 * once, in parallel, through the edge's own admin API (the contract of {@link EdgeAdmin}: {@code POST /_edge/purge},
 * {@code POST /_edge/prefetch}, {@code POST /_edge/config}, the sequence in {@code X-Outpost-Sequence}), and records
 * each 2xx as the edge's ack (a push that did not store every URL is recorded as {@code failed} for that edge, with
 * its answer; a configuration change the edge refused, answered {@code {"applied":false,"reason":...}}, is
 * dead-lettered for it with that reason at once: the edge keeps its previous configuration and moves on).
 * One lane (a single virtual thread) per edge keeps that edge's entries in sequence order; lanes of different edges
 * run side by side.
 *
 * <p>Ordering rule: an entry is pushed live to an edge only when it is the very next entry of the edge's region
 * after the edge's known applied sequence (from its heartbeats and earlier live acks); otherwise (it was down, a
 * push failed, it registered with an old sequence) the entry is marked {@code behind}. So an edge never applies a
 * newer entry before an older one and can keep a single "highest applied" number; a duplicate (live push racing a
 * catch-up page) is at or below that number and ignored.
 *
 * <p>Retries: an edge that is behind gets its missed entries pushed again by the control plane itself, in order,
 * on its lane, after {@code delivery.retryInitial}, doubling up to {@code delivery.retryMax} while the
 * pushes fail; so a healed partition is caught up within that bound, not at the pace of the edge's own heartbeat
 * backoff. The edge's heartbeat catch-up carries the same entries too; whichever comes first applies them. Retries
 * stop once the edge applied everything, was fenced or removed. Expired pushes are never retried.
 *
 * <p>Dead letters: retries are bounded per entry. An entry the edge refuses as invalid (400, 413, 415, 422) is
 * dead-lettered for that edge at once, one it answers {@code delivery.maxTries} times with a server error (it
 * cannot apply it) then; the edge's mark moves past it ({@link Registry#acked}), so the next entries reach the edge
 * and it is steered again, and an operator retries ({@link #retryDeadLetter}) or discards it. An edge that does not
 * answer at all is never dead-lettered against: it is fenced after {@code delivery.fenceAfter}.
 */
public final class Dispatcher implements AutoCloseable {
    /** Entries one retry round pushes before it yields the lane and schedules the next round. */
    private static final int RETRY_ROUND = 100;

    private static final Logger LOG = System.getLogger(Dispatcher.class.getName());
    private static final MediaType JSON = MediaType.get("application/json");

    private final InvalidationLog log;
    private final Registry registry;
    private final OkHttpClient client;
    private final Optional<String> edgeToken;
    private final DeliverySettings settings;
    private final DeliveryObserver observer;
    private final Ownership ownership;
    /** Several control planes share the log: entries reach the lanes through {@link #deliverNew} only. */
    private final boolean shared;
    private final ConcurrentMap<String, ExecutorService> lanes = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Backoff> retries = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("dispatch-retry-timer").factory());
    private volatile boolean closed;

    /** The wait before an edge's next retry round: doubles per failed round, reset by success. */
    private static final class Backoff {
        long nextMillis;
        boolean scheduled;

        Backoff(long initialMillis) {
            this.nextMillis = initialMillis;
        }
    }

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
        this.observer = observer;
        this.log = log;
        this.registry = registry;
        this.client = client;
        this.edgeToken = edgeToken;
        this.settings = settings;
        registry.shieldTier().onReleased(this::release);
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
                behind(logged.sequence(), node.id(), "edge unhealthy when accepted; retried, and sent on its "
                        + "heartbeat");
                scheduleRetry(node.id());
            } else if (node.registration().adminUrl().isEmpty()) {
                behind(logged.sequence(), node.id(), "edge has no admin URL; sent on its heartbeat");
            } else {
                lane(node.id()).execute(() -> guarded(node.id(), () -> deliver(logged.entry(), node)));
            }
        }
    }

    /**
     * Several control planes on one database: hands the entries appended since the last call (here or by another
     * control plane, read by {@link InvalidationLog#learnNewEntries} in sequence order, each once) to the lanes of
     * this control plane's edges, so a lane receives its edge's entries in sequence order whichever control plane
     * accepted them. Only deliveries still pending are pushed; the others were settled already (a heartbeat's
     * catch-up, fencing) or are left to retries. Called after each append here and by the change feed.
     */
    public synchronized void deliverNew() {
        List<LoggedEntry> learned = log.learnNewEntries();
        if (!learned.isEmpty()) {
            registry.shieldTier().check(); // raises the stored mark first when no shield holds the edges back
        }
        for (LoggedEntry logged : learned) {
            java.util.Set<String> pending = new java.util.HashSet<>();
            for (Delivery delivery : log.deliveries(logged.sequence())) {
                if (delivery.state() == Delivery.State.PENDING) {
                    pending.add(delivery.node());
                }
            }
            dispatch(logged, registry.edges().stream().filter(node -> pending.contains(node.id())).toList());
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
                scheduleRetry(node.id());
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
                scheduleRetry(node.id());
            }
        }
    }

    private ExecutorService lane(String nodeId) {
        return lanes.computeIfAbsent(nodeId,
                id -> Executors.newSingleThreadExecutor(Thread.ofVirtual().name("dispatch-" + id).factory()));
    }

    private void deliver(InvalidationEntry entry, Node node) {
        if (closed) {
            return;
        }
        Node current = registry.node(node.id()).orElse(node);
        if (entry.sequence() > registry.shieldTier().handOutLimit(current)) {
            return; // held back until every shield applied it (still pending): release() pushes it then
        }
        List<InvalidationEntry> next = log.entriesAfter(current.appliedSequence(), current.logRegion(), 1);
        if (next.isEmpty() || next.get(0).sequence() > entry.sequence()) {
            return; // already applied through the heartbeat catch-up (or a retry)
        }
        if (next.get(0).sequence() != entry.sequence()) {
            behind(entry.sequence(), node.id(), "earlier entries not yet applied; retried in order, and sent on "
                    + "its heartbeat");
            scheduleRetry(node.id());
            return;
        }
        Optional<PushFailure> failure = push(entry, current);
        if (failure.isPresent()) {
            failed(entry.sequence(), current, failure.get());
            scheduleRetry(node.id()); // the next entries (or this one again)
        }
    }

    /**
     * A push of the node's next entry failed: the entry is behind (retried), or, when the edge refused it as
     * invalid or answered {@code delivery.maxTries} pushes of it with a server error, dead-lettered: the node's mark
     * moves past it, so later entries reach the edge and it is steered again. Returns whether it was dead-lettered.
     */
    private boolean failed(long sequence, Node node, PushFailure failure) {
        boolean deadLetter = switch (failure.verdict()) {
            case INVALID -> true;
            case NOT_APPLIED -> log.countTry(sequence, node.id(), failure.reason()) >= settings.maxTries();
            case NOT_NOW -> false;
        };
        if (!deadLetter) {
            behind(sequence, node.id(), failure.reason());
            return false;
        }
        String reason = failure.verdict() == PushFailure.Verdict.INVALID ? "refused as invalid: " + failure.reason()
                : "not applied after " + settings.maxTries() + " tries: " + failure.reason();
        if (!log.markDeadLettered(sequence, node.id(), reason, failure.verdict() == PushFailure.Verdict.INVALID)) {
            return false; // settled meanwhile (applied by a heartbeat, fenced, removed)
        }
        LOG.log(Level.WARNING, () -> "entry dead-lettered: sequence=" + sequence + " edge=" + node.id()
                + " reason=\"" + reason + "\" (the edge moves on to later entries; an operator retries or discards it)");
        registry.acked(node.id(), sequence);
        return true;
    }

    /**
     * One retry round for an edge: pushes what it missed, oldest first, until it has everything (retries end), a
     * push fails (the next round waits twice as long), or a round's worth went through (the next round follows at
     * once, so other work on the lane is not starved).
     */
    private void retry(String nodeId) {
        Backoff backoff = retries.get(nodeId);
        if (backoff == null || closed) {
            return;
        }
        synchronized (backoff) {
            backoff.scheduled = false;
        }
        for (int i = 0; i < RETRY_ROUND; i++) {
            Optional<Node> node = registry.node(nodeId);
            if (node.isEmpty() || node.get().fenced() || node.get().registration().adminUrl().isEmpty()
                    || !ownership.owns(nodeId)) {
                retries.remove(nodeId);
                return;
            }
            List<InvalidationEntry> next = log.entriesAfter(node.get().appliedSequence(),
                    registry.shieldTier().handOutLimit(node.get()), node.get().logRegion(), 1);
            if (next.isEmpty()) {
                // done, or the rest is held back for the shields: release() takes it up when they applied it
                retries.remove(nodeId);
                return;
            }
            observer.retried(nodeId);
            Optional<PushFailure> failure = push(next.get(0), node.get());
            if (failure.isPresent() && !failed(next.get(0).sequence(), node.get(), failure.get())) {
                LOG.log(Level.DEBUG, () -> "retrying entry " + next.get(0).sequence() + " to " + nodeId
                        + " failed: " + failure.get().reason());
                scheduleRetry(nodeId);
                return;
            }
            synchronized (backoff) {
                backoff.nextMillis = settings.retryInitial().toMillis();
            }
        }
        scheduleRetry(nodeId);
    }

    /**
     * The shields applied more (or stopped counting): every edge of this control plane's gets what was held back for
     * it, in order, on its lane; an unhealthy one through its retry rounds (and its heartbeat catch-up).
     */
    void release() {
        if (closed) {
            return;
        }
        for (Node node : registry.edges()) {
            if (node.isShield() || node.fenced() || !ownership.owns(node.id())
                    || node.registration().adminUrl().isEmpty()
                    || node.appliedSequence() >= registry.shieldTier().handOutLimit(node)) {
                continue;
            }
            if (registry.healthy(node)) {
                try {
                    lane(node.id()).execute(() -> guarded(node.id(), () -> pushReleased(node.id())));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    return; // closing
                }
            } else {
                scheduleRetry(node.id());
            }
        }
    }

    /** Pushes an edge what was released to it, oldest first, until it has all of it or a push fails (retried). */
    private void pushReleased(String nodeId) {
        for (int i = 0; i < RETRY_ROUND && !closed; i++) {
            Optional<Node> node = registry.node(nodeId);
            if (node.isEmpty() || node.get().fenced()) {
                return;
            }
            List<InvalidationEntry> next = log.entriesAfter(node.get().appliedSequence(),
                    registry.shieldTier().handOutLimit(node.get()), node.get().logRegion(), 1);
            if (next.isEmpty()) {
                return;
            }
            Optional<PushFailure> failure = push(next.get(0), node.get());
            if (failure.isPresent()) {
                failed(next.get(0).sequence(), node.get(), failure.get());
                scheduleRetry(nodeId);
                return;
            }
        }
        scheduleRetry(nodeId); // more than a round's worth: the retry rounds go on at once
    }

    /**
     * Runs a lane's work; when it fails (the store unreachable: the ack or the next entry could not be read or
     * written) the edge's retry rounds take over, so nothing waits for a heartbeat once the database is back.
     */
    private void guarded(String nodeId, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, () -> "delivery to " + nodeId + " interrupted, retried later: " + e.getMessage());
            scheduleRetry(nodeId);
        }
    }

    /** Schedules the edge's next retry round (once: a round already scheduled stands), doubling the wait. */
    private void scheduleRetry(String nodeId) {
        if (closed) {
            return;
        }
        Backoff backoff = retries.computeIfAbsent(nodeId, id -> new Backoff(settings.retryInitial().toMillis()));
        long delay;
        synchronized (backoff) {
            if (backoff.scheduled) {
                return;
            }
            backoff.scheduled = true;
            delay = backoff.nextMillis;
            backoff.nextMillis = Math.min(settings.retryMax().toMillis(), backoff.nextMillis * 2);
        }
        try {
            timer.schedule(() -> lane(nodeId).execute(() -> guarded(nodeId, () -> retry(nodeId))), delay,
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /** Pushes one entry to the edge; records the ack (or the push's failure); empty on success, else why not. */
    private Optional<PushFailure> push(InvalidationEntry entry, Node node) {
        Optional<URI> adminUrl = node.registration().adminUrl();
        if (adminUrl.isEmpty()) {
            return Optional.of(PushFailure.unanswered("edge has no admin URL"));
        }
        Request.Builder request = edgeRequest(adminUrl.get(), entry);
        edgeToken.ifPresent(token -> request.header("Authorization", "Bearer " + token));
        Duration timeout = timeout(entry);
        log.sendingLive(entry.sequence(), node.id());
        try (Response response = client.newBuilder().callTimeout(timeout).build().newCall(request.build())
                .execute()) {
            if (!response.isSuccessful()) {
                return Optional.of(PushFailure.answered(response));
            }
            registry.acked(node.id(), entry.sequence());
            // the edge's answer (what it removed or fetched) is shown as that edge's detail
            Optional<String> answer = summary(response);
            if (answer.isPresent() && PushResults.alreadyApplied(answer.get())) {
                // It applied the entry from a catch-up page first: what it did (a push's results, a purge's unknown
                // hosts) rides the heartbeat that reports its sequence, which settles the delivery. Marking it
                // applied here, without that, would let a waiting client see the entry complete but not what it did.
                return Optional.empty();
            }
            Optional<String> refusal = entry.kind() == Kind.CONFIG
                    ? ConfigResults.refusal(answer.orElse("")) : Optional.empty();
            if (refusal.isPresent()) {
                // the edge keeps its previous configuration and counts the entry as passed (acked above): recorded
                // as a dead letter with its reason, so it shows and an operator decides, and nothing waits for it
                refused(entry.sequence(), node.id(), refusal.get());
                return Optional.empty();
            }
            Optional<String> pushFailure = entry.kind() == Kind.PUSH
                    ? PushResults.failure(answer.orElse("")) : Optional.empty();
            if (pushFailure.isPresent()) {
                log.markFailed(entry.sequence(), node.id(), pushFailure.get());
            } else {
                log.markApplied(entry.sequence(), node.id(), answer);
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(PushFailure.unanswered("push failed: " + e.getMessage()));
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.log(Level.WARNING, "pushing entry " + entry.sequence() + " to " + node.id() + " failed", e);
            }
            return Optional.of(PushFailure.unanswered("push failed: " + e));
        } finally {
            log.answeredLive(node.id());
        }
    }

    /** The edge answered a config entry with a refusal: dead-lettered for it with the edge's reason. */
    private void refused(long sequence, String nodeId, String reason) {
        if (log.markDeadLettered(sequence, nodeId, reason, true)) {
            LOG.log(Level.WARNING, () -> "configuration entry " + sequence + " " + reason + " (" + nodeId
                    + "); it keeps its previous configuration");
        }
    }

    /**
     * A push makes the edge fetch every URL before it answers; a configuration change may build new origin clients
     * and TLS contexts; a purge is quick.
     */
    private static Duration timeout(InvalidationEntry entry) {
        return switch (entry.kind()) {
            case PUSH -> Duration.ofSeconds(60);
            case CONFIG -> Duration.ofSeconds(15);
            case PURGE -> Duration.ofSeconds(5);
        };
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
        Optional<URI> adminUrl = node.registration().adminUrl();
        String failure;
        if (adminUrl.isEmpty()) {
            failure = "edge has no admin URL";
        } else {
            Request.Builder request = edgeRequest(adminUrl.get(), entry).removeHeader(EdgeAdmin.SEQUENCE_HEADER);
            edgeToken.ifPresent(token -> request.header("Authorization", "Bearer " + token));
            Duration timeout = timeout(entry);
            try (Response response = client.newBuilder().callTimeout(timeout).build().newCall(request.build())
                    .execute()) {
                if (response.isSuccessful()) {
                    String answer = summary(response).orElse("");
                    Optional<String> pushFailure = entry.kind() == Kind.PUSH ? PushResults.failure(answer)
                            : entry.kind() == Kind.CONFIG ? ConfigResults.refusal(answer) : Optional.empty();
                    if (pushFailure.isEmpty()) {
                        log.markRetried(entry.sequence(), node.id(), "applied on an operator's retry: " + answer);
                        return new RetryOutcome(true, answer);
                    }
                    failure = pushFailure.get();
                } else {
                    failure = PushFailure.refusal(response);
                }
            } catch (IOException | RuntimeException e) {
                failure = "push failed: " + e.getMessage();
            }
        }
        log.markRetryFailed(entry.sequence(), node.id(), "operator's retry failed: " + failure);
        return new RetryOutcome(false, failure);
    }


    private static Optional<String> summary(Response response) throws IOException {
        String body = PushResults.abbreviate(response.peekBody(4096).string());
        return body.isEmpty() ? Optional.empty() : Optional.of(body);
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

    /** The entry did not reach the node live: it is lagging (not steered to) until the catch-up brings it. */
    private void behind(long sequence, String nodeId, String reason) {
        registry.fellBehind(nodeId);
        log.markBehind(sequence, nodeId, reason);
    }

    /**
     * The edge's own admin call for an entry ({@link EdgeAdmin}): a purge → {@code POST /_edge/purge}, a push →
     * {@code POST /_edge/prefetch}; the sequence rides along, so the edge applies it once and in order.
     */
    static Request.Builder edgeRequest(URI adminUrl, InvalidationEntry entry) {
        Object body = switch (entry.kind()) {
            case PUSH -> EdgePrefetch.of(entry);
            case PURGE -> EdgePurge.of(entry);
            case CONFIG -> entry.config();
        };
        String path = switch (entry.kind()) {
            case PUSH -> EdgeAdmin.PREFETCH_PATH;
            case PURGE -> EdgeAdmin.PURGE_PATH;
            case CONFIG -> EdgeAdmin.CONFIG_PATH;
        };
        return new Request.Builder().url(EdgeAdmin.url(adminUrl, path))
                .header(EdgeAdmin.SEQUENCE_HEADER, Long.toString(entry.sequence()))
                .post(RequestBody.create(Json.bytes(body), JSON));
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        lanes.values().forEach(ExecutorService::shutdownNow);
        // One deadline for all lanes, not 5 s each: with many edges stuck, per-lane waits would add up.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ExecutorService lane : lanes.values()) {
            try {
                lane.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
