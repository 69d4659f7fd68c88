package dev.outpost.origin.replication;

import dev.outpost.common.problem.Problem;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.assets.AssetWriter;
import dev.outpost.origin.assets.ChangeJournal;
import dev.outpost.origin.assets.ChangeNotifier;
import dev.outpost.origin.content.MasterStore;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An origin's place in its primary/replica group: its change log, its role, and what the role needs (a primary
 * tracks its replicas and holds synchronous writes until enough have them; a replica runs its {@link Follower}).
 *
 * <p>Promotion (an operator's call on a replica) stops the follower, starts a new epoch at the next sequence and
 * makes this origin take writes. It is never automatic: a replica cannot tell a dead primary from a partition
 * between the two, and two origins taking writes at once would each accept changes the other never sees. The
 * epochs make the old primary harmless once it is pointed at the new one (it copies everything again, dropping
 * what only it had), but nothing stops it taking writes before that; only a third party that both can reach (a
 * quorum, or the control plane holding a lease) could, and there is none yet.
 */
public final class Replication implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Replication.class.getName());

    /** Whether this origin takes writes. */
    public enum Role { PRIMARY, REPLICA }

    private final String name;
    private final OriginConfig.Replication settings;
    private final ChangeLog log;
    private final ReplicaTracker tracker;
    private final Clock clock;
    private final AtomicLong syncTimeouts = new AtomicLong();
    private volatile Role role;
    private volatile Optional<Follower> follower;
    private boolean closed;

    private Replication(String name, OriginConfig.Replication settings, ChangeLog log, Clock clock, Role role,
            Optional<Follower> follower) {
        this.name = name;
        this.settings = settings;
        this.log = log;
        this.tracker = new ReplicaTracker(clock);
        this.clock = clock;
        this.role = role;
        this.follower = follower;
    }

    /**
     * Opens the change log and, for a replica, starts copying from its primary. The replica's own writer has no
     * size limit (it copies whatever its primary holds) and records nothing in the journal (the follower appends
     * the primary's entries itself), but announces every change it makes like any write.
     */
    public static Replication start(OriginConfig config, MasterStore store, ChangeNotifier notifier, Clock clock) {
        OriginConfig.Replication settings = config.replication();
        ChangeLog log = ChangeLog.open(config.replicationDirectory(), settings.historyEntries(), clock);
        if (!settings.isReplica()) {
            return new Replication(config.replicaName(), settings, log, clock, Role.PRIMARY, Optional.empty());
        }
        PrimaryClient primary = new PrimaryClient(settings.replicaOf().orElseThrow(), config.apiToken().orElseThrow(),
                settings.pollWait());
        Follower follower = new Follower(primary, config.replicaName(), log, store,
                new AssetWriter(store, Long.MAX_VALUE, notifier, ChangeJournal.NONE), clock, settings.pollWait());
        Replication replication = new Replication(config.replicaName(), settings, log, clock, Role.REPLICA,
                Optional.of(follower));
        follower.start();
        return replication;
    }

    public Role role() {
        return role;
    }

    public boolean isPrimary() {
        return role == Role.PRIMARY;
    }

    /**
     * Whether the content port may serve files: always on a primary; on a replica once its files were in line
     * with its primary at least once (before that, 503 sends edges to their next origin).
     */
    public boolean servesContent() {
        return role == Role.PRIMARY || log.synced();
    }

    /** Where the asset writer records changes: the change log (only a primary's API writes reach it). */
    public ChangeJournal journal() {
        return log;
    }

    public ChangeLog log() {
        return log;
    }

    public ReplicaTracker tracker() {
        return tracker;
    }

    public String name() {
        return name;
    }

    /** Longest a replica's request for changes may wait here. */
    public Duration pollWait() {
        return settings.pollWait();
    }

    /** How a write fared with synchronous replication. */
    public record SyncOutcome(int wanted, int confirmed) {
        public boolean met() {
            return confirmed >= wanted;
        }
    }

    /** Waits until {@code replication.syncReplicas} replicas have change {@code sequence} (none wanted: at once). */
    public SyncOutcome awaitReplicas(long sequence) {
        int wanted = settings.syncReplicas();
        if (wanted == 0 || sequence == 0) {
            return new SyncOutcome(0, 0);
        }
        try {
            SyncOutcome outcome = new SyncOutcome(wanted, tracker.awaitApplied(sequence, wanted,
                    settings.syncTimeout()));
            if (!outcome.met()) {
                syncTimeouts.incrementAndGet();
            }
            return outcome;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new SyncOutcome(wanted, 0);
        }
    }

    public Duration syncTimeout() {
        return settings.syncTimeout();
    }

    /** Writes answered 504 because too few replicas confirmed them in time, since start. */
    public long syncTimeouts() {
        return syncTimeouts.get();
    }

    /** The outcome of a promotion. */
    public record Promotion(String role, long epoch, long firstSequence, String previousPrimary, String next) {
    }

    /**
     * Makes this replica the primary: stops copying, starts a new epoch, takes writes from now on.
     *
     * @throws Problem conflict: {@code already_primary}, or {@code replica_not_ready} when it never finished
     *                  a copy of its primary (its files would be a partial copy)
     */
    public synchronized Promotion promote() {
        if (role == Role.PRIMARY) {
            throw Problem.conflict("already_primary", "this origin is already the primary of its group");
        }
        if (!log.synced()) {
            throw Problem.conflict("replica_not_ready", "this replica never finished copying its primary; "
                    + "promoting it would make a partial copy the primary");
        }
        String previous = settings.replicaOf().map(Object::toString).orElse("");
        follower.ifPresent(Follower::close);
        follower = Optional.empty();
        ChangeLog.Position position = log.promote();
        role = Role.PRIMARY;
        String next = "restart this origin without replication.replicaOf (--replica-of) before its next start, and "
                + "restart the old primary " + previous + " with --replica-of pointing here: until then it must not "
                + "take writes";
        LOG.log(Level.WARNING, "origin " + name + " promoted to primary: epoch " + position.epoch()
                + ", changes from " + (position.head() + 1) + " on; " + next);
        return new Promotion("primary", position.epoch(), position.head() + 1, previous, next);
    }

    /** The state shown by {@code GET /_origin/replication}, the health JSON and the metrics. */
    public ReplicationStatus status() {
        ChangeLog.Position position = log.position();
        Instant now = clock.instant();
        List<ReplicationStatus.ReplicaView> replicas = tracker.replicas().stream()
                .map(r -> new ReplicationStatus.ReplicaView(r.name(), r.applied(),
                        Math.max(0, position.head() - r.applied()), r.lastSeen(),
                        Math.max(0, Duration.between(r.lastSeen(), now).toMillis() / 1000.0)))
                .toList();
        Optional<ReplicationStatus.Sync> sync = role == Role.PRIMARY
                ? Optional.of(new ReplicationStatus.Sync(settings.syncReplicas(), settings.syncTimeout().toMillis()))
                : Optional.empty();
        return new ReplicationStatus(role.name().toLowerCase(java.util.Locale.ROOT), name, position.log(),
                position.epoch(), position.head(), position.oldest(), ReplicationStatus.epochList(position.epochs()),
                sync, replicas, follower.map(Follower::status));
    }

    /** Stops following and closes the log (which answers parked long polls); closing again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        follower.ifPresent(Follower::close);
        log.close();
    }
}
