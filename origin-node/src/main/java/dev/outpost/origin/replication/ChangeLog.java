package dev.outpost.origin.replication;

import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.origin.assets.AssetInfo;
import dev.outpost.origin.assets.ChangeJournal;
import dev.outpost.origin.content.AssetPath;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The origin's durable, sequenced log of changes to its master copies: what a primary's replicas copy, and where a
 * replica keeps what it applied (so a promoted replica continues the same sequence).
 *
 * <p><b>Design note.</b> One sqlite file ({@link ChangeLogFile}: {@code changes.db} in {@code replication.directory}),
 * {@code synchronous=FULL}: an entry is on disk before {@link #record} returns, and the asset writer records it
 * before it renames or deletes anything (see AssetWriter). Sequences are dense ({@code head + 1}), increasing, never
 * reused. An entry becomes visible to readers only once {@link #release released} (its change made, or failed), and
 * only in order: the visible head is the highest sequence up to which every entry is released. So a replica never
 * reads an entry whose new file is not there yet, and never skips one that is still being written. After a restart
 * everything stored is visible: the change of an entry written just before a crash was made or it was not, and a
 * replica checks the primary's current copy before applying anything (Follower), so an entry for a change that
 * never happened changes nothing.
 *
 * <p>A replica's {@link #append appends} commit without an fsync of their own ({@code synchronous=NORMAL}; the WAL
 * is fsynced at the next full commit or checkpoint): one lost in a power cut is simply applied again after the
 * restart, which is harmless because applying an entry is idempotent (a file that already has the entry's digest is
 * left alone), and it saves one fsync per copied change. Everything else commits with an fsync.
 *
 * <p>History is bounded: past {@code historyEntries}, the oldest entries are deleted (in batches of a tenth); a
 * replica whose position is older than what is kept must copy everything again ({@link Verdict.Resync}).
 *
 * <p>Identity: {@code log} is a random id given when a log is first created; a replica adopts its primary's id when
 * it resyncs. {@code epochs} maps each epoch to its first sequence; a promotion starts a new epoch at
 * {@code head + 1}. A follower states its log, epoch and position; {@link #check} decides whether it can go on from
 * there: not when it follows another log, when it holds changes of an older epoch past the point where the next
 * epoch began here (its old primary wrote them, the promoted one never had them: it must resync, losing them), or
 * when its epoch is newer than ours (we are the stale primary: it must not copy from us).
 */
public final class ChangeLog implements ChangeJournal, AutoCloseable {
    private final ChangeLogFile file;
    private final Clock clock;
    private final long historyEntries;
    // All guarded by this.
    private String logId;
    /** Entries after this sequence are kept. */
    private long base;
    private long head;
    private long visible;
    private final TreeSet<Long> unreleased = new TreeSet<>();
    private final TreeMap<Long, Long> epochs = new TreeMap<>();
    private final List<Waiter> waiters = new ArrayList<>();
    /** A replica's content was brought in line with a primary's log at least once (see {@link #markSynced}). */
    private boolean synced;
    private boolean closed;

    private ChangeLog(ChangeLogFile file, Clock clock, long historyEntries) {
        this.file = file;
        this.clock = clock;
        this.historyEntries = historyEntries;
    }

    /** Where a log stands, as its origin reports it and a follower needs it. */
    public record Position(String log, long epoch, long head, long oldest, SortedMap<Long, Long> epochs) {
        public Position {
            epochs = Collections.unmodifiableSortedMap(new TreeMap<>(epochs));
        }
    }

    /** Whether a follower can continue from the position it states. */
    public sealed interface Verdict {
        /** It can: entries after its position follow. */
        record Continue() implements Verdict {
        }

        /** It cannot, and must copy everything again (listing + digests); {@code reason} says why. */
        record Resync(String reason) implements Verdict {
        }

        /** It is ahead of us in epochs: we were replaced by a promotion and must not be copied from. */
        record StalePrimary(String reason) implements Verdict {
        }
    }

    /**
     * Opens (creating) the log in {@code directory}.
     *
     * @throws java.io.UncheckedIOException naming the directory, when it cannot be used
     */
    public static ChangeLog open(Path directory, long historyEntries, Clock clock) {
        ChangeLogFile file = ChangeLogFile.open(directory);
        ChangeLog log = new ChangeLog(file, clock, historyEntries);
        try {
            log.load();
        } catch (SQLException e) {
            file.close();
            throw new IllegalStateException("cannot read the replication log in " + directory + ": "
                    + e.getMessage(), e);
        }
        return log;
    }

    private synchronized void load() throws SQLException {
        Optional<String> id = file.meta("log");
        if (id.isEmpty()) {
            byte[] random = new byte[9];
            new SecureRandom().nextBytes(random);
            logId = HexFormat.of().formatHex(random);
            file.putMeta("log", logId);
            file.putMeta("base", "0");
            file.putEpoch(1, 1);
        } else {
            logId = id.get();
        }
        base = Long.parseLong(file.meta("base").orElse("0"));
        synced = file.meta("synced").isPresent();
        head = Math.max(base, file.maxSequence());
        visible = head;
        epochs.putAll(file.epochs());
        if (epochs.isEmpty()) {
            file.putEpoch(1, base + 1);
            epochs.put(1L, base + 1);
        }
    }

    /** Appends the change a primary is about to make, durably; readers see it once it is released. */
    @Override
    public synchronized Recorded record(ChangeNotice.Event event, AssetPath path, Optional<AssetInfo> written)
            throws IOException {
        ensureOpen();
        ChangeEntry entry = new ChangeEntry(head + 1, epochs.lastKey(), event, path.urlPath(),
                written.map(AssetInfo::digest), written.map(AssetInfo::size).orElse(0L), clock.instant());
        try {
            file.durableCommits(true);
            file.insert(entry);
        } catch (SQLException e) {
            throw new IOException("cannot record the change of " + path + " in the replication log: "
                    + e.getMessage(), e);
        }
        head = entry.sequence();
        unreleased.add(head);
        return new Recorded(head);
    }

    @Override
    public void release(Recorded recorded) {
        List<Runnable> due;
        synchronized (this) {
            if (!unreleased.remove(recorded.sequence())) {
                return;
            }
            long now = unreleased.isEmpty() ? head : unreleased.first() - 1;
            if (now <= visible) {
                return;
            }
            visible = now;
            trim();
            due = dueWaiters();
        }
        due.forEach(Runnable::run);
    }

    /**
     * Appends an entry copied from the primary (a replica's own log), visible at once.
     *
     * @throws IllegalStateException when it does not follow the head: the replica's loop applies in order
     */
    public void append(ChangeEntry entry) {
        List<Runnable> due;
        synchronized (this) {
            ensureOpen();
            if (entry.sequence() != head + 1 || !unreleased.isEmpty()) {
                throw new IllegalStateException("change " + entry.sequence() + " does not follow " + head
                        + " in the replication log");
            }
            Map.Entry<Long, Long> current = epochs.lastEntry();
            if (entry.epoch() < current.getKey() && entry.sequence() >= current.getValue()) {
                // A copy from an old primary landing after this log moved on (a promotion): never part of it.
                throw new IllegalStateException("change " + entry.sequence() + " of epoch " + entry.epoch()
                        + " comes after epoch " + current.getKey() + " began at " + current.getValue());
            }
            try {
                file.durableCommits(false);
                file.insert(entry);
                file.durableCommits(true);
                if (!epochs.containsKey(entry.epoch()) && entry.epoch() > epochs.lastKey()) {
                    file.putEpoch(entry.epoch(), entry.sequence());
                    epochs.put(entry.epoch(), entry.sequence());
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot append change " + entry.sequence()
                        + " to the replication log: " + e.getMessage(), e);
            }
            head = entry.sequence();
            visible = head;
            trim();
            due = dueWaiters();
        }
        due.forEach(Runnable::run);
    }

    /** Visible entries after {@code after}, oldest first, at most {@code limit}. */
    public synchronized List<ChangeEntry> after(long after, int limit) {
        ensureOpen();
        try {
            return file.between(after, visible, limit);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the replication log: " + e.getMessage(), e);
        }
    }

    /** Where this log stands; {@code head} is the newest visible entry. */
    public synchronized Position position() {
        return new Position(logId, epochs.lastKey(), visible, base + 1, epochs);
    }

    /** Whether a follower at ({@code log}, {@code epoch}, {@code after}) can continue from there. */
    public synchronized Verdict check(String log, long epoch, long after) {
        long current = epochs.lastKey();
        if (!log.equals(logId)) {
            return new Verdict.Resync("it follows another log (" + log + "); this origin's log is " + logId);
        }
        if (epoch > current) {
            return new Verdict.StalePrimary("it has seen epoch " + epoch + " but this origin is at epoch " + current
                    + ": another origin was promoted since; point it at the current primary");
        }
        if (epoch < current) {
            Map.Entry<Long, Long> next = epochs.higherEntry(epoch);
            if (after >= next.getValue()) {
                return new Verdict.Resync("it holds changes up to " + after + " of epoch " + epoch + ", but epoch "
                        + next.getKey() + " began at " + next.getValue() + " here: changes " + next.getValue() + ".."
                        + after + " of its old primary never reached this one");
            }
        }
        if (after > head) {
            return new Verdict.Resync("it is at change " + after + ", beyond this origin's newest, " + head);
        }
        if (after < base) {
            return new Verdict.Resync("it is at change " + after + ", but this origin keeps changes from "
                    + (base + 1) + " on (replication.historyEntries)");
        }
        return new Verdict.Continue();
    }

    /** Starts a new epoch at the next sequence: this origin now takes writes. */
    public synchronized Position promote() {
        ensureOpen();
        long epoch = epochs.lastKey() + 1;
        try {
            file.putEpoch(epoch, head + 1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start epoch " + epoch + ": " + e.getMessage(), e);
        }
        epochs.put(epoch, head + 1);
        return position();
    }

    /** Takes the primary's epoch boundaries (a replica keeps them, for the day it is promoted). */
    public synchronized void learnEpochs(Map<Long, Long> primaryEpochs) {
        for (Map.Entry<Long, Long> epoch : primaryEpochs.entrySet()) {
            if (!epoch.getValue().equals(epochs.get(epoch.getKey()))) {
                try {
                    file.putEpoch(epoch.getKey(), epoch.getValue());
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot store epoch " + epoch.getKey() + ": " + e.getMessage(),
                            e);
                }
                epochs.put(epoch.getKey(), epoch.getValue());
            }
        }
    }

    /**
     * After a full copy from a primary: forgets every entry and continues as that primary's log at {@code at}
     * (the primary's head taken before its listing was read).
     */
    public synchronized void restartAt(Position primary, long at) {
        ensureOpen();
        try {
            file.restart(primary.log(), primary.epochs(), at);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot restart the replication log at " + at + ": " + e.getMessage(),
                    e);
        }
        logId = primary.log();
        base = at;
        head = at;
        visible = at;
        unreleased.clear();
        epochs.clear();
        epochs.putAll(primary.epochs());
    }

    /**
     * True once this log was found to continue its primary's (a replica's request for changes was answered) or was
     * restarted from a full copy: from then on, across restarts, the replica's files are its primary's as of its
     * position, and it may serve them.
     */
    public synchronized boolean synced() {
        return synced;
    }

    public synchronized void markSynced() {
        if (synced) {
            return;
        }
        try {
            file.putMeta("synced", clock.instant().toString());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the replication state: " + e.getMessage(), e);
        }
        synced = true;
    }

    /**
     * Runs {@code callback} once when an entry after {@code after} is visible (at once if one is); answers a
     * handle that cancels it.
     */
    public Runnable whenVisibleAfter(long after, Runnable callback) {
        Waiter waiter = new Waiter(after, callback);
        synchronized (this) {
            if (visible <= after && !closed) {
                waiters.add(waiter);
                return () -> {
                    synchronized (this) {
                        waiters.remove(waiter);
                    }
                };
            }
        }
        callback.run();
        return () -> { };
    }

    @Override
    public void close() {
        List<Runnable> left;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            left = waiters.stream().map(Waiter::callback).toList();
            waiters.clear();
            file.close();
        }
        left.forEach(Runnable::run); // long polls answer (empty) rather than hang until their timeout
    }

    private List<Runnable> dueWaiters() {
        List<Runnable> due = new ArrayList<>();
        for (var it = waiters.iterator(); it.hasNext(); ) {
            Waiter waiter = it.next();
            if (visible > waiter.after()) {
                it.remove();
                due.add(waiter.callback());
            }
        }
        return due;
    }

    /** Deletes the oldest entries once a tenth more than the bound are kept; never one that is not visible. */
    private void trim() {
        long keepFrom = Math.min(visible, head - historyEntries);
        if (keepFrom - base < Math.max(1, historyEntries / 10)) {
            return;
        }
        try {
            file.forgetUpTo(keepFrom);
            base = keepFrom;
        } catch (SQLException e) {
            // kept a little longer; the next append tries again
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the replication log is closed");
        }
    }

    private record Waiter(long after, Runnable callback) {
    }
}
