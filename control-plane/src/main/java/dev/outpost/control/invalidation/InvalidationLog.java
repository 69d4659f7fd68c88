package dev.outpost.control.invalidation;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.control.LogSettings;
import dev.outpost.control.StoreSettings;
import dev.outpost.control.store.Store;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The durable, ordered log of purges, pushes and configuration changes, and every edge's delivery state for each
 * entry: tables of the control plane's {@link Store} (SQLite or PostgreSQL, docs/store.md; the SQL in
 * {@link LogStore} and {@link DeadLetterRows}). This class is the log's one entrance and its one lock; behind it,
 * {@link Appends} (durable appends, gap-free sequences, Idempotency-Key replays), {@link DeliveryStates} (every
 * change to a delivery, and why those commit without an fsync of their own), {@link SequenceMarks} (the marks
 * steering reads on every request), {@link Retention} (compaction, push expiry), {@link Settlements} (how long
 * each entry accepted here took to settle, for the metrics) and {@link DeadLetters} (reached through
 * {@link #deadLetters()}, under the same lock).
 *
 * <p>Every method that touches the store is synchronized on the log (each statement borrows a pooled connection):
 * the database serializes appends anyway, and purges are rare next to requests. {@link #dueSequence},
 * {@link #lastSequence} and {@link #behindKeptLog} take no lock, so an fsync never stalls a redirect.
 * {@link #awaitComplete} waits on the log's monitor, woken by every append and delivery change.
 */
public final class InvalidationLog implements AutoCloseable {
    /** An entry as a catch-up page hands it over; {@code more} says the page was cut (by count or bytes). */
    public record Page(List<InvalidationEntry> entries, boolean more) {
    }

    /** What {@link #append} did: the entry, and whether it was only looked up for a repeated Idempotency-Key. */
    public record Appended(LoggedEntry logged, boolean replayed) {
    }

    /** A listing: entries newest first, and whether older ones were left out (by count or bytes). */
    public record Listing(List<LoggedEntry> entries, boolean more) {
    }

    /** SQL that runs on the store's connection inside an append's transaction, given the new entries' sequences. */
    @FunctionalInterface
    public interface AlsoWrite {
        void write(Connection db, List<Long> sequences) throws SQLException;
    }

    /** SQL that reads on a connection of the log's store. */
    @FunctionalInterface
    public interface Read<T> {
        T read(Connection db) throws SQLException;
    }

    /**
     * The region argument of {@link #entriesAfter}, {@link #page}, {@link #dueSequence} and {@link #behindKeptLog}
     * that stands for every region: a shield's, since it holds objects for the edges of every region, so every
     * entry reaches it whatever regions it names (docs/caching-tiers.md). No region name holds a '*'.
     */
    public static final String EVERY_REGION = "*";

    /** Longest wait between two looks at an awaited entry's deliveries. */
    private static final long AWAIT_SLICE_MILLIS = 200;

    private final LogStore store;
    private final LogSettings settings;
    private final SequenceMarks marks;
    private final Appends appends;
    private final DeliveryStates deliveryStates;
    private final Retention retention;
    private final DeadLetters deadLetters;
    private boolean closed;

    private InvalidationLog(LogStore store, Clock clock, LogSettings settings, DeliveryObserver observer) {
        this.store = store;
        this.settings = settings;
        this.marks = SequenceMarks.load(store);
        // entries accepted here and not settled yet, timed for the metrics; guarded by this log's monitor
        Settlements settlements = new Settlements(observer);
        this.appends = new Appends(store, clock, marks, settlements, this);
        this.deliveryStates = new DeliveryStates(store, clock, settlements, observer, this);
        this.retention = new Retention(store, clock, settings, marks, settlements, this, () -> closed);
        this.deadLetters = new DeadLetters(this, store, deliveryStates);
    }

    /** Opens (creating if needed) the log in {@code dataDir}, with the default store and bounds. */
    public static InvalidationLog open(Path dataDir, Clock clock) {
        return open(StoreSettings.DEFAULTS, dataDir, clock, LogSettings.DEFAULTS, DeliveryObserver.NONE);
    }

    /** Opens the log with a store of its own (closed with the log), as {@code store} says (tests and tools). */
    public static InvalidationLog open(StoreSettings store, Path dataDir, Clock clock, LogSettings settings,
            DeliveryObserver observer) {
        return new InvalidationLog(new LogStore(Store.open(store, dataDir), true), clock, settings, observer);
    }

    public static InvalidationLog open(StoreSettings store, Path dataDir, Clock clock) {
        return open(store, dataDir, clock, LogSettings.DEFAULTS, DeliveryObserver.NONE);
    }

    public static InvalidationLog open(StoreSettings store, Path dataDir, Clock clock, LogSettings settings) {
        return open(store, dataDir, clock, settings, DeliveryObserver.NONE);
    }

    /** Opens the log in the control plane's store (which outlives it); {@code observer} as above. */
    public static InvalidationLog open(Store shared, Clock clock, LogSettings settings, DeliveryObserver observer) {
        return new InvalidationLog(new LogStore(shared, false), clock, settings, observer);
    }

    public LogSettings settings() {
        return settings;
    }

    // Appending (Appends)

    /** Appends with a {@code pending} delivery for each of {@code nodes} and no Idempotency-Key. */
    public LoggedEntry append(NewEntry entry, List<String> nodes, String requestedBy) {
        Map<String, Delivery.State> deliveries = new LinkedHashMap<>();
        nodes.forEach(node -> deliveries.put(node, Delivery.State.PENDING));
        return append(entry, deliveries, requestedBy, Optional.empty()).logged();
    }

    /**
     * Appends an entry with the next sequence and a delivery in the given initial state per node, in one durable
     * transaction; returns once it is on disk. With a key already used by the same token for the same request, it
     * appends nothing and answers the first entry ({@code replayed}).
     *
     * @throws IdempotencyKey.Reused when the key was used for a different request
     */
    public synchronized Appended append(NewEntry entry, Map<String, Delivery.State> deliveries, String requestedBy,
            Optional<IdempotencyKey> key) {
        return appends.append(entry, deliveries, requestedBy, key);
    }

    /**
     * Appends {@code entries} with consecutive sequences, each with the given deliveries, and runs {@code alsoWrite}
     * (the service tables) in the same durable transaction: a configuration version and its entries go together.
     */
    public synchronized List<LoggedEntry> appendAll(List<NewEntry> entries, Map<String, Delivery.State> deliveries,
            String requestedBy, AlsoWrite alsoWrite) {
        return appends.appendAll(entries, deliveries, requestedBy, alsoWrite);
    }

    /**
     * The entry a key was first used for, if the same token used it for the same request within the key's
     * lifetime; empty for a new key.
     *
     * @throws IdempotencyKey.Reused when the key was used for a different request
     */
    public synchronized Optional<LoggedEntry> replay(IdempotencyKey key) {
        return appends.replay(key);
    }

    /** Records that {@code key} was answered with entry {@code sequence} (which was made by another request). */
    public synchronized void remember(IdempotencyKey key, long sequence) {
        appends.remember(key, sequence);
    }

    /**
     * Several control planes on one database: the entries appended since the last call, here or by another one,
     * oldest first, each once ({@link SequenceMarks#learn}); wakes {@link #awaitComplete}, since another control
     * plane may have settled what it waits for.
     */
    public synchronized List<LoggedEntry> learnNewEntries() {
        if (closed) {
            return List.of();
        }
        List<LoggedEntry> learned = marks.learn(store);
        notifyAll();
        return learned;
    }

    // Reading

    /**
     * Runs {@code read} on a connection of the log's store, under the log's lock: what it reads is consistent with
     * {@link #lastSequence} (every append up to it committed, none after it begun).
     */
    public synchronized <T> T read(Read<T> read) {
        return store.read(read::read);
    }

    public synchronized Optional<LoggedEntry> entry(long sequence) {
        return store.entry(sequence);
    }

    /**
     * The newest entries of a kind below {@code before} (exclusive; empty = from the newest), newest first, cut at
     * {@code limit} entries or {@code log.maxListingBytes} of entry lists (one entry at least).
     */
    public synchronized Listing recent(Kind kind, int limit, OptionalLong before) {
        LogStore.Slice slice = store.recent(kind, limit, before.orElse(Long.MAX_VALUE), settings.maxListingBytes());
        return new Listing(slice.entries(), slice.more());
    }

    /** The newest entries of a kind, newest first. */
    public List<LoggedEntry> recent(Kind kind, int limit) {
        return recent(kind, limit, OptionalLong.empty()).entries();
    }

    /** Entries after {@code sequence} reaching {@code region}, oldest first, at most {@code limit}; no expired push. */
    public synchronized List<InvalidationEntry> entriesAfter(long sequence, String region, int limit) {
        return entriesAfter(sequence, Long.MAX_VALUE, region, limit);
    }

    /** Like {@link #entriesAfter(long, String, int)}, only entries up to {@code through} (held back past it). */
    public synchronized List<InvalidationEntry> entriesAfter(long sequence, long through, String region, int limit) {
        return store.entriesAfter(sequence, through, region, retention.pushCutoff(), limit, Long.MAX_VALUE).entries();
    }

    /** A catch-up page: like {@link #entriesAfter}, also cut at {@code log.catchUpPageBytes} (one entry at least). */
    public synchronized Page page(long sequence, String region, int maxEntries) {
        return page(sequence, Long.MAX_VALUE, region, maxEntries);
    }

    /** A catch-up page of the entries up to {@code through} only (the shield tier holds back the later ones). */
    public synchronized Page page(long sequence, long through, String region, int maxEntries) {
        return store.entriesAfter(sequence, through, region, retention.pushCutoff(), maxEntries,
                settings.catchUpPageBytes());
    }

    /**
     * The highest purge or config sequence reaching {@code region}: what an edge there must have applied to be
     * caught up (an edge that missed a config entry runs an older configuration and is not steered to).
     */
    public long dueSequence(String region) {
        return marks.due(region);
    }

    /** Whether an edge of {@code region} that applied up to {@code applied} missed entries compacted away. */
    public boolean behindKeptLog(String region, long applied) {
        return marks.behindKeptLog(region, applied);
    }

    public long lastSequence() {
        return marks.last();
    }

    public synchronized List<Delivery> deliveries(long sequence) {
        return store.deliveries(sequence);
    }

    public synchronized EntryStatus status(long sequence) {
        return EntryStatus.of(deliveries(sequence));
    }

    /**
     * Deliveries not applied (yet, or ever) to each of {@code nodes}, by state ({@code pending}, {@code behind},
     * {@code failed}, {@code expired}), over the kept log: the per-edge rows of the metrics.
     */
    public synchronized Map<String, Map<Delivery.State, Long>> unappliedDeliveries(Collection<String> nodes) {
        return store.unappliedDeliveries(nodes);
    }

    /** Blocks until entry {@code sequence} is settled or {@code timeout} passes; returns its status then. */
    public synchronized EntryStatus awaitComplete(long sequence, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        EntryStatus status = status(sequence);
        while (!status.settled() && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            // another control plane may record the acks (it is never told to wake this one): look again soon
            wait(Math.max(1, Math.min(AWAIT_SLICE_MILLIS, left / 1_000_000)));
            status = status(sequence);
        }
        return status;
    }

    // Delivery states (DeliveryStates says what each change may overwrite)

    /** Records that {@code node} applied entry {@code sequence} (a live push was acked). */
    public synchronized void markApplied(long sequence, String node) {
        markApplied(sequence, node, Optional.empty());
    }

    /** Records that {@code node} applied entry {@code sequence}, with what it reported (a push's results). */
    public synchronized void markApplied(long sequence, String node, Optional<String> detail) {
        deliveryStates.report(sequence, node, Delivery.State.APPLIED, detail);
    }

    /** Records that {@code node} carried out push {@code sequence} but did not store every URL ({@code detail}). */
    public synchronized void markFailed(long sequence, String node, String detail) {
        deliveryStates.report(sequence, node, Delivery.State.FAILED, Optional.of(detail));
    }

    /**
     * Records that {@code node} applied every entry up to {@code sequence} (reported in a heartbeat, or counted at
     * registration for an empty cache), but the one a live call is delivering to it ({@link #sendingLive}).
     */
    public synchronized int markAppliedUpTo(String node, long sequence) {
        return deliveryStates.appliedUpTo(node, sequence);
    }

    /** A live call is delivering {@code sequence} to {@code node}: heartbeats leave that delivery to its answer. */
    public synchronized void sendingLive(long sequence, String node) {
        deliveryStates.sendingLive(sequence, node);
    }

    /** The live call to {@code node} ended (answered, failed or timed out); heartbeats settle its entry again. */
    public synchronized void answeredLive(String node) {
        deliveryStates.answeredLive(node);
    }

    /** A node left the registry: its deliveries not yet applied are no longer waited for. */
    public synchronized int markRemoved(String node) {
        return deliveryStates.removed(node);
    }

    /** A node was fenced: its deliveries not yet applied are no longer waited for; returns how many. */
    public synchronized int markFenced(String node, String reason) {
        return deliveryStates.fenced(node, reason);
    }

    /** Marks every delivery still pending as behind, with the reason; returns how many. */
    public synchronized int markPendingBehind(String reason) {
        return deliveryStates.pendingBehind(reason);
    }

    /** Records that {@code node} did not get entry {@code sequence} live; it catches up on its heartbeat. */
    public synchronized void markBehind(long sequence, String node, String reason) {
        deliveryStates.behind(sequence, node, reason);
    }

    /** Pushes past their expiry that some edge never got: those deliveries are expired; returns how many. */
    public synchronized int expirePushes() {
        return deliveryStates.expirePushes(retention.pushCutoff());
    }

    /** The dead letters: deliveries an edge refused or could not apply, and what operators do with them. */
    public DeadLetters deadLetters() {
        return deadLetters;
    }

    // Retention

    /**
     * Deletes entries past the retention ({@code log.retention}, {@code log.retentionEntries}) with their delivery
     * states, and Idempotency-Keys older than {@code keyLifetime}; returns how many entries went. Unsynchronized:
     * {@link Retention} takes the lock batch by batch, so appends and acks get it in between.
     */
    public int compact(Duration keyLifetime) {
        return retention.compact(keyLifetime);
    }

    /** The highest sequence compaction deleted for any region (0 when nothing was). */
    public long compactedThrough() {
        return marks.compactedThrough();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        notifyAll();
        store.close();
    }
}
