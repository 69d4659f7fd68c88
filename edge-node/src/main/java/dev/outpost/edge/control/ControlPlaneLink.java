package dev.outpost.edge.control;

import dev.outpost.common.controlplane.ControlPlanes;
import dev.outpost.common.json.Json;
import dev.outpost.common.tls.TlsContexts;
import dev.outpost.common.wire.EntryResult;
import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.wire.RegistrationReply;
import dev.outpost.common.wire.ServiceSnapshot;
import dev.outpost.common.wire.ShieldNode;
import dev.outpost.common.wire.TrafficBatch;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.edge.metrics.TrafficCounts;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The edge's side of the control-plane contract (docs/control-plane.md, "Edge contract"): registers, heartbeats with its
 * stats, applied sequence and traffic batch ({@link TrafficCounts}: once the control plane says it takes them), and applies the missed entries a heartbeat reply hands back, in order, through the
 * same {@link AppliedSequence} gate as live pushes. While the control plane is unreachable it retries with
 * doubling delays (from {@code heartbeat} up to {@code maxBackoff}); the edge keeps serving meanwhile. A heartbeat
 * answered {@code unknown_node} registers again. A heartbeat whose reply left nothing to apply renews the
 * {@link Lease}, whichever control plane answered it; the edge heartbeats at least three times per lease.
 *
 * <p>With several control planes ({@code controlPlane.urls}), every call goes to the one that answered last and, when
 * it fails, to the next at once ({@link ControlPlaneClient}); only a round where none answered counts as a failure
 * here and backs off.
 *
 * <p>No failure stops the link: anything a step throws, {@link Error}s included (an {@code OutOfMemoryError} while
 * a page is parsed or applied), is logged, counted ({@link #stepFailures}) and the step retried with backoff; the
 * page that failed is dropped and fetched again.
 *
 * <p>Every step runs on one scheduler thread, one after another, so the link's own state needs no locking; the
 * scheduler is injected so unit tests run the steps by hand, without sleeping.
 */
public final class ControlPlaneLink implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ControlPlaneLink.class.getName());

    /** Runs a step after a delay; the node uses a single-thread scheduled executor. */
    @FunctionalInterface
    public interface Scheduler {
        void schedule(Runnable step, Duration delay);
    }

    /**
     * What the edge reports about its traffic in each heartbeat; {@code activeRequests} and {@code responseMillis}
     * (requests in flight, moving average of response times) feed the control plane's load-aware steering;
     * {@code originsDown} are the origins whose circuit breaker is open.
     */
    public record Stats(long requests, double hitRatio, long bytesCached, long activeRequests,
            double responseMillis, List<String> originsDown) {
        public Stats(long requests, double hitRatio, long bytesCached) {
            this(requests, hitRatio, bytesCached, 0, 0, List.of());
        }
    }

    /**
     * The node's delivery-service configuration as the link sees it: the snapshots registration and resets hand
     * over replace it, and heartbeats report its version.
     */
    public interface Configuration {
        /** Takes nothing from the control plane (tests of the link alone). */
        Configuration NONE = new Configuration() {
            @Override
            public void replace(ServiceSnapshot snapshot) {
            }

            @Override
            public Optional<Long> version() {
                return Optional.empty();
            }
        };

        /** Replaces everything the node runs with the control plane's configuration. */
        void replace(ServiceSnapshot snapshot);

        /** The configuration version the node runs, for {@code Heartbeat.configVersion}. */
        Optional<Long> version();

        /**
         * The shields every heartbeat reply names (empty when there are none): the edge fetches its misses from
         * them for services naming their region. Replaced whole by each reply.
         */
        default void shields(List<ShieldNode> shields) {
        }
    }

    /** Who the edge is, as registered; {@code role}: a plain edge or a shield (the L3 tier). */
    public record Identity(String id, String region, URI publicUrl, Optional<URI> adminUrl,
            NodeRegistration.Role role) {
        public Identity(String id, String region, URI publicUrl, Optional<URI> adminUrl) {
            this(id, region, publicUrl, adminUrl, NodeRegistration.Role.EDGE);
        }
    }

    /**
     * Applies one catch-up entry through the gate every sequenced entry passes, live pushes included; the node gives
     * {@link Invalidations#apply}.
     */
    @FunctionalInterface
    public interface Entries {
        AppliedSequence.Outcome<?> apply(InvalidationEntry entry);

        /**
         * Applies a catch-up page in order, stopping at the first entry that fails; the node's
         * ({@link Invalidations#entries}) applies it as one batch, its disk changes flushed once per directory.
         * This default applies the entries one by one.
         */
        default AppliedSequence.Batch applyAll(List<InvalidationEntry> page) {
            List<AppliedSequence.Outcome<?>> outcomes = new java.util.ArrayList<>();
            for (InvalidationEntry entry : page) {
                try {
                    outcomes.add(apply(entry));
                } catch (RuntimeException e) {
                    return new AppliedSequence.Batch(outcomes, Optional.of(e));
                }
            }
            return new AppliedSequence.Batch(outcomes, Optional.empty());
        }
    }

    private final Identity identity;
    private final ControlPlaneLinkConfig config;
    private final ControlPlaneApi api;
    private final AppliedSequence applied;
    private final Entries entries;
    private final Supplier<Stats> stats;
    private final BooleanSupplier cacheEmpty;
    private final Scheduler scheduler;
    private final Runnable onClose;
    private final Lease lease;
    /** Held nothing when the link was made: everything it caches before registering was fetched since. */
    private final boolean startedEmpty;
    /** Results of pushes applied from catch-up pages, for the next heartbeat (oldest dropped past the cap). */
    private final java.util.ArrayDeque<EntryResult> results = new java.util.ArrayDeque<>();
    private final java.util.concurrent.atomic.AtomicLong stepFailures = new java.util.concurrent.atomic.AtomicLong();
    /** Traffic counters sent in batches with heartbeats, once the control plane says it takes them. */
    private final TrafficCounts traffic;
    private final Configuration configuration;

    private volatile boolean closed;
    private volatile boolean registered;
    private boolean everRegistered;
    private Duration interval;
    private Duration backoff;
    private boolean failing;

    ControlPlaneLink(Identity identity, ControlPlaneLinkConfig config, ControlPlaneApi api, AppliedSequence applied,
            Function<InvalidationEntry, ?> applier, Supplier<Stats> stats, BooleanSupplier cacheEmpty,
            Scheduler scheduler, Runnable onClose) {
        this(identity, config, api, applied, applier, stats, cacheEmpty, scheduler, onClose, Lease.none());
    }

    /** A link whose entries pass {@code applied} and are carried out by {@code applier}, for tests. */
    ControlPlaneLink(Identity identity, ControlPlaneLinkConfig config, ControlPlaneApi api, AppliedSequence applied,
            Function<InvalidationEntry, ?> applier, Supplier<Stats> stats, BooleanSupplier cacheEmpty,
            Scheduler scheduler, Runnable onClose, Lease lease) {
        this(identity, config, api, applied, applier, stats, cacheEmpty, scheduler, onClose, lease,
                new TrafficCounts(java.time.Clock.systemUTC()));
    }

    /** A test link that sends {@code traffic}'s batches. */
    ControlPlaneLink(Identity identity, ControlPlaneLinkConfig config, ControlPlaneApi api, AppliedSequence applied,
            Function<InvalidationEntry, ?> applier, Supplier<Stats> stats, BooleanSupplier cacheEmpty,
            Scheduler scheduler, Runnable onClose, Lease lease, TrafficCounts traffic) {
        this(identity, config, api, lease, applied,
                entry -> applied.apply(entry.sequence(), () -> applier.apply(entry)), stats, traffic, cacheEmpty,
                scheduler, onClose, Configuration.NONE);
    }

    /** A test link that carries entries out through {@code entries} and installs snapshots in {@code configuration}. */
    ControlPlaneLink(Identity identity, ControlPlaneLinkConfig config, ControlPlaneApi api, AppliedSequence applied,
            Entries entries, Supplier<Stats> stats, Scheduler scheduler, Configuration configuration) {
        this(identity, config, api, Lease.none(), applied, entries, stats,
                new TrafficCounts(java.time.Clock.systemUTC()), () -> true, scheduler, () -> {
                }, configuration);
    }

    private ControlPlaneLink(Identity identity, ControlPlaneLinkConfig config, ControlPlaneApi api, Lease lease,
            AppliedSequence applied, Entries entries, Supplier<Stats> stats, TrafficCounts traffic,
            BooleanSupplier cacheEmpty, Scheduler scheduler, Runnable onClose, Configuration configuration) {
        this.configuration = configuration;
        this.traffic = traffic;
        this.lease = lease;
        this.startedEmpty = cacheEmpty.getAsBoolean();
        this.identity = identity;
        this.config = config;
        this.api = api;
        this.applied = applied;
        this.entries = entries;
        this.stats = stats;
        this.cacheEmpty = cacheEmpty;
        this.scheduler = scheduler;
        this.onClose = onClose;
        this.interval = config.heartbeat();
        this.backoff = config.heartbeat();
    }

    /**
     * Starts a link over HTTP on its own scheduler thread; the first registration is attempted at once.
     *
     * @param applied    the mark the link adopts at registration and reports in heartbeats
     * @param entries    applies one entry (purge or prefetch) through {@code applied}'s gate and says what it did
     * @param cacheEmpty whether the store holds nothing, asked at the first registration only
     */
    public static ControlPlaneLink start(Identity identity, ControlPlaneLinkConfig config, AppliedSequence applied,
            Entries entries, Supplier<Stats> stats, TrafficCounts traffic, BooleanSupplier cacheEmpty, Lease lease,
            Configuration configuration) {
        return start(identity, config, applied, entries, stats, traffic, cacheEmpty, config.urls(), Optional.empty(),
                lease, configuration);
    }

    /**
     * A link whose registrations and heartbeats go to {@code nodeUrls} (failing over in this order), over mutual TLS
     * with {@code tls} (the control planes' node listeners) when given.
     */
    public static ControlPlaneLink start(Identity identity, ControlPlaneLinkConfig config, AppliedSequence applied,
            Entries entries, Supplier<Stats> stats, TrafficCounts traffic, BooleanSupplier cacheEmpty,
            List<URI> nodeUrls, Optional<TlsContexts.Client> tls, Lease lease, Configuration configuration) {
        ControlPlaneClient client = new ControlPlaneClient(new ControlPlanes("edge " + identity.id(), nodeUrls),
                config.token(), tls);
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("control-plane-link-" + identity.id()).factory());
        Scheduler scheduler = (step, delay) -> {
            try {
                executor.schedule(step, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // closed meanwhile: nothing more to do
            }
        };
        ControlPlaneLink link = new ControlPlaneLink(identity, config, client, lease, applied, entries, stats,
                traffic, cacheEmpty, scheduler, () -> {
                    executor.shutdownNow();
                    client.close();
                }, configuration);
        link.begin();
        return link;
    }

    /** Schedules the first registration. */
    void begin() {
        schedule("registration", this::register, Duration.ZERO);
    }

    /**
     * Schedules a step so that whatever it throws, {@link Error}s included, is logged, counted and retried with
     * backoff: the link never stops.
     */
    private void schedule(String what, Runnable step, Duration delay) {
        scheduler.schedule(() -> {
            try {
                step.run();
            } catch (Throwable t) {
                stepFailures.incrementAndGet();
                LOG.log(Level.ERROR, identity.id() + ": " + what + " step failed (" + stepFailures.get()
                        + " so far); retrying with backoff", t);
                retry(what, step, t);
            }
        }, delay);
    }

    /** Steps that threw (anything, Errors included) since start; each was retried. */
    public long stepFailures() {
        return stepFailures.get();
    }

    /** Whether the control plane currently knows this edge (registered, and no heartbeat said otherwise). */
    public boolean registered() {
        return registered;
    }

    /** The highest sequence applied, as reported in heartbeats. */
    public long appliedSequence() {
        return applied.highest();
    }

    private void register() {
        if (closed) {
            return;
        }
        // Only a freshly started edge may say its cache is empty; afterwards it reports what it applied. One that
        // started empty but cached before it could register says so: it revalidates instead of replaying the log.
        boolean empty = !everRegistered && cacheEmpty.getAsBoolean();
        boolean cachedSinceStart = !everRegistered && startedEmpty && !empty;
        NodeRegistration registration = new NodeRegistration(identity.id(), NodeRegistration.Kind.EDGE,
                identity.region(), identity.publicUrl(), identity.adminUrl(), applied.highest(), empty,
                cachedSinceStart, identity.role());
        RegistrationReply reply;
        try {
            reply = api.register(registration);
        } catch (IOException | RuntimeException e) {
            retry("registration", this::register, e);
            return;
        }
        // The snapshot holds as of the adopted sequence: both are installed before any live entry may pass the gate.
        applied.adopt(reply.appliedSequence(), () -> {
            if (reply.services() != null) {
                configuration.replace(reply.services());
            }
        });
        everRegistered = true;
        registered = true;
        interval = reply.heartbeatIntervalMillis() > 0 ? Duration.ofMillis(reply.heartbeatIntervalMillis())
                : config.heartbeat();
        Duration thirdOfLease = lease.length().dividedBy(3);
        if (interval.compareTo(thirdOfLease) > 0) {
            interval = thirdOfLease; // the lease must not run out between two heartbeats
        }
        recovered();
        LOG.log(Level.INFO, () -> identity.id() + " registered with " + api.inUse() + " at sequence "
                + reply.appliedSequence() + " (due " + reply.dueSequence() + "), heartbeat every " + interval);
        // Heartbeat at once: the first reply carries whatever this edge still has to apply.
        schedule("heartbeat", this::heartbeat, Duration.ZERO);
    }

    private void heartbeat() {
        if (closed) {
            return;
        }
        List<EntryResult> reported = List.copyOf(results);
        // A batch is sealed only for a control plane that takes them; sent again unchanged until a reply comes.
        Optional<TrafficBatch> batch = api.acceptsTraffic() ? traffic.next() : Optional.empty();
        Heartbeat beat = report(reported, batch);
        Instant sentAt = lease.now();
        HeartbeatReply reply;
        try {
            reply = api.heartbeat(identity.id(), beat);
        } catch (ControlPlaneApi.UnknownNode e) {
            registered = false;
            LOG.log(Level.WARNING, identity.id() + " is unknown to the control plane; registering again");
            schedule("registration", this::register, Duration.ZERO);
            return;
        } catch (IOException | RuntimeException e) {
            retry("heartbeat", this::heartbeat, e);
            return;
        }
        reported.forEach(r -> results.remove(r));
        batch.ifPresent(b -> traffic.acknowledged(b.batch()));
        recovered();
        configuration.shields(reply.shields());
        if (reply.reset()) {
            LOG.log(Level.WARNING, identity.id() + ": the control plane cannot hand over what this edge missed entry "
                    + "by entry (it was fenced, is behind the kept log, or cached before it could register): "
                    + "revalidating everything it holds");
        }
        if (reply.reset() && reply.services() != null && !reply.entries().isEmpty()) {
            // Config entries cannot be replayed past the kept log: the snapshot, as of the reset entry, replaces
            // the whole configuration, unless a live push already took the edge past that entry.
            long resetSequence = reply.entries().get(reply.entries().size() - 1).sequence();
            applied.beforeApplying(resetSequence, () -> configuration.replace(reply.services()));
        }
        long before = applied.highest();
        boolean allApplied = applyInOrder(reply.entries());
        if (allApplied && !reply.more()) {
            lease.renewFrom(sentAt); // everything accepted before the heartbeat left is applied
        }
        // After progress, heartbeat again at once so the control plane learns it (and hands the next page); a reply
        // that moved nothing (entries already applied live) waits for the interval, so the loop never spins.
        boolean again = allApplied && applied.highest() > before;
        schedule("heartbeat", this::heartbeat, again ? Duration.ZERO : interval);
    }

    /**
     * Applies catch-up entries in the order given, as one batch; stops at the first failure so no gap is reported
     * applied.
     */
    private boolean applyInOrder(List<InvalidationEntry> page) {
        if (page.isEmpty()) {
            return true;
        }
        AppliedSequence.Batch batch = entries.applyAll(page);
        for (int i = 0; i < batch.outcomes().size(); i++) {
            InvalidationEntry entry = page.get(i);
            AppliedSequence.Outcome<?> outcome = batch.outcomes().get(i);
            LOG.log(Level.DEBUG, () -> identity.id() + " catch-up " + entry.sequence() + ": " + outcome);
            // What a catch-up entry did goes back with the next heartbeat, as a live call's answer would: a
            // push's per-URL results, a purge's hosts no service here serves.
            if (outcome instanceof AppliedSequence.Applied<?> a) {
                if (results.size() >= Heartbeat.MAX_RESULTS) {
                    results.poll();
                }
                results.add(new EntryResult(entry.sequence(), Json.mapper().writeValueAsString(a.result())));
            }
        }
        if (batch.failure().isPresent()) {
            long failed = page.get(batch.outcomes().size()).sequence();
            LOG.log(Level.WARNING, identity.id() + " could not apply entry " + failed
                    + "; it and later entries are retried on the next heartbeat", batch.failure().get());
            return false;
        }
        return true;
    }

    private void retry(String what, Runnable step, Throwable e) {
        if (closed) {
            return;
        }
        Duration delay = backoff;
        lease.expired(lease.now()); // logs the lease's expiry when no request asked since it ran out
        if (!failing) {
            // With several control planes the failure names each one tried in the round.
            LOG.log(Level.WARNING, identity.id() + ": " + what + " to " + api.inUse() + " failed (" + e
                    + "); serving on and retrying with backoff up to " + config.maxBackoff());
        }
        failing = true;
        Duration doubled = backoff.multipliedBy(2);
        backoff = doubled.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : doubled;
        schedule(what, step, delay);
    }

    private void recovered() {
        if (failing) {
            LOG.log(Level.INFO, identity.id() + ": control plane " + api.inUse() + " reachable again");
        }
        failing = false;
        backoff = config.heartbeat();
    }

    /** What a heartbeat says now: stats, applied sequence, {@code reported} results and the traffic batch. */
    private Heartbeat report(List<EntryResult> reported, Optional<TrafficBatch> batch) {
        Stats now = stats.get();
        return new Heartbeat(now.requests(), Math.clamp(now.hitRatio(), 0.0, 1.0), now.bytesCached(),
                applied.highest(), reported, Math.max(0, now.activeRequests()), Math.max(0, now.responseMillis()),
                now.originsDown().subList(0, Math.min(now.originsDown().size(), Heartbeat.MAX_ORIGINS_DOWN)),
                batch.orElse(null), configuration.version().orElse(null));
    }

    /**
     * Says goodbye as the edge starts draining: one last heartbeat that says it is leaving, so the control plane
     * steers no client to it from now on (instead of after its heartbeat timeout), and no heartbeat after it.
     * Runs on the link's own thread, after any heartbeat in progress, so none can follow it and make the edge
     * healthy again; waits at most {@code within} (an unreachable control plane must not hold the shutdown), and a
     * failure only means the control plane learns it from the missed heartbeats, as before.
     *
     * @return whether a control plane took the goodbye
     */
    public boolean leave(Duration within) {
        CompletableFuture<Boolean> said = new CompletableFuture<>();
        try {
            scheduler.schedule(() -> {
                if (closed || !registered) {
                    closed = true;
                    said.complete(false);
                    return;
                }
                closed = true; // no heartbeat, registration or retry runs after this one
                try {
                    api.heartbeat(identity.id(), report(List.copyOf(results), Optional.empty()).asLeaving());
                    LOG.log(Level.INFO, identity.id() + " told control plane " + api.inUse() + " it is leaving");
                    said.complete(true);
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.WARNING, identity.id() + " could not tell the control plane it is leaving (" + e
                            + "); it finds out from the missed heartbeats");
                    said.complete(false);
                }
            }, Duration.ZERO);
            return said.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException | RuntimeException e) {
            closed = true;
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        registered = false;
        onClose.run();
    }
}
