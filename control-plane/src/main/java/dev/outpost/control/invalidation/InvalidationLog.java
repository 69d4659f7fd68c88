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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The durable, ordered log of purges and pushes, and every edge's delivery state for each entry.
 *
 * <p><b>Design note.</b> Tables of the control plane's {@link Store} (SQLite or PostgreSQL, docs/store.md; row
 * mapping in {@link LogStore}). An {@link #append} commits durably (SQLite {@code synchronous=FULL}, PostgreSQL's
 * synchronous commit): it is on disk before it returns, and the API answers 202 only after that, so an acknowledged purge survives a crash of
 * the control plane. Delivery updates (acks, behind) commit on SQLite with {@code synchronous=NORMAL}, without an fsync of
 * their own (six fsyncs per purge on six edges were a third of its time to complete, bench SixEdgePurge): one lost
 * in a crash is recovered like any pending delivery (marked behind at restart, set applied from the edge's next
 * heartbeat), and the next append's fsync makes every earlier WAL frame durable too. An entry, its initial
 * deliveries (one per edge in scope at that moment) and its {@code Idempotency-Key} are written in the same
 * transaction, so after a restart the history, the sequence, the pending acks and the keys are exactly as
 * acknowledged. Sequences come from the store's gap-free counter, taken in the appending transaction: strictly
 * increasing, never reused, without holes, even across restarts and with appends from several connections. Regions are stored as {@code ",eu,us,"} ({@code ""} = every region) so catch-up queries filter in SQL.
 *
 * <p>History is bounded: {@link #compact} deletes entries past the retention (age or count) with their delivery
 * states, and remembers per regions text the highest sequence it deleted; an edge whose applied sequence is below
 * that for its region is behind the kept log and is told to revalidate everything instead ({@link #behindKeptLog}).
 * Pushes are hints with an expiry: catch-up never hands out a push older than {@code log.pushExpiry}.
 *
 * <p>Every method synchronized on the log (each statement borrows a pooled connection): the database serializes appends anyway, and purges are rare
 * next to requests. The highest purge sequence per region (what an edge must reach before it is steered traffic)
 * is kept in memory, loaded at open and updated on append, because steering asks for it on every request, on
 * the IO thread: {@link #dueSequence} and {@link #lastSequence} take no lock, so an fsync never stalls a redirect.
 * {@link #awaitComplete} waits on the same monitor, woken by every delivery change.
 */
public final class InvalidationLog implements AutoCloseable {
    /** An entry as a catch-up page hands it over; {@code more} says the page was cut (by count or bytes). */
    public record Page(List<InvalidationEntry> entries, boolean more) {
    }

    /** What {@link #append} did: the entry, and whether it was only looked up for a repeated Idempotency-Key. */
    public record Appended(LoggedEntry logged, boolean replayed) {
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
    private final Clock clock;
    private final LogSettings settings;
    /** Entries accepted here and not settled yet, timed for the metrics; guarded by this log's monitor. */
    private final Settlements settlements;
    private final DeliveryObserver observer;
    /** Highest purge or config sequence per stored regions text ("" = all regions). */
    private final Map<String, Long> duePerRegions = new ConcurrentHashMap<>();
    /** Highest compacted (deleted) sequence per stored regions text. */
    private final Map<String, Long> compactedPerRegions = new ConcurrentHashMap<>();
    /** Per node, the entry a live call is delivering right now (a lane sends one at a time); guarded by this. */
    private final Map<String, Long> liveInFlight = new HashMap<>();
    private volatile long lastSequence;
    /**
     * Several control planes on one database: the highest sequence {@link #learnNewEntries} handed out; guarded by
     * this.
     */
    private long learnedThrough;
    private boolean closed;

    private InvalidationLog(LogStore store, Clock clock, LogSettings settings, DeliveryObserver observer) {
        this.store = store;
        this.clock = clock;
        this.settings = settings;
        this.settlements = new Settlements(observer);
        this.observer = observer;
    }

    /** Opens (creating if needed) the log in {@code dataDir}, with the default bounds. */
    public static InvalidationLog open(Path dataDir, Clock clock) {
        return open(dataDir, clock, LogSettings.DEFAULTS);
    }

    public static InvalidationLog open(Path dataDir, Clock clock, LogSettings settings) {
        return open(dataDir, clock, settings, DeliveryObserver.NONE);
    }

    /** Opens the log; {@code observer} hears of entries accepted and settled (the metrics). */
    public static InvalidationLog open(Path dataDir, Clock clock, LogSettings settings, DeliveryObserver observer) {
        return open(StoreSettings.DEFAULTS, dataDir, clock, settings, observer);
    }

    /** Opens the log with a store of its own (closed with the log), as {@code store} says (tests and tools). */
    public static InvalidationLog open(StoreSettings store, Path dataDir, Clock clock, LogSettings settings,
            DeliveryObserver observer) {
        return open(new LogStore(Store.open(store, dataDir), true), clock, settings, observer);
    }

    public static InvalidationLog open(StoreSettings store, Path dataDir, Clock clock) {
        return open(store, dataDir, clock, LogSettings.DEFAULTS, DeliveryObserver.NONE);
    }

    public static InvalidationLog open(StoreSettings store, Path dataDir, Clock clock, LogSettings settings) {
        return open(store, dataDir, clock, settings, DeliveryObserver.NONE);
    }

    /** Opens the log in the control plane's store (which outlives it); {@code observer} hears of entries accepted and settled. */
    public static InvalidationLog open(Store shared, Clock clock, LogSettings settings, DeliveryObserver observer) {
        return open(new LogStore(shared, false), clock, settings, observer);
    }

    private static InvalidationLog open(LogStore store, Clock clock, LogSettings settings, DeliveryObserver observer) {
        InvalidationLog log = new InvalidationLog(store, clock, settings, observer);
        store.loadMarks(log.duePerRegions, log.compactedPerRegions);
        log.lastSequence = store.lastSequence();
        log.learnedThrough = log.lastSequence;
        return log;
    }

    public LogSettings settings() {
        return settings;
    }

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
        Optional<LoggedEntry> earlier = key.flatMap(this::replay);
        if (earlier.isPresent()) {
            return new Appended(earlier.get(), true);
        }
        Instant now = clock.instant();
        long sequence;
        try {
            sequence = store.append(entry, deliveries, requestedBy, now, key);
        } catch (LogStore.KeyTaken e) {
            // a concurrent request with the same key (another control plane's) committed first: answer its entry
            return new Appended(replay(key.orElseThrow()).orElseThrow(), true);
        }
        return new Appended(appended(entry, sequence, deliveries, requestedBy, now), false);
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
     * Appends {@code entries} with consecutive sequences, in order, a delivery in the given initial state per node
     * for each, and runs {@code alsoWrite} (the service tables, in the same store) in the same durable transaction:
     * a configuration version and its entries are stored together or not at all.
     */
    public synchronized List<LoggedEntry> appendAll(List<NewEntry> entries, Map<String, Delivery.State> deliveries,
            String requestedBy, AlsoWrite alsoWrite) {
        Instant now = clock.instant();
        List<Long> sequences = store.appendAll(entries, deliveries, requestedBy, now, Optional.empty(), alsoWrite);
        List<LoggedEntry> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            out.add(appended(entries.get(i), sequences.get(i), deliveries, requestedBy, now));
        }
        return out;
    }

    /**
     * Runs {@code read} on a connection of the log's store, under the log's lock: what it reads is consistent with
     * {@link #lastSequence} (every append up to it committed, none after it begun).
     */
    public synchronized <T> T read(Read<T> read) {
        return store.read(read::read);
    }

    private LoggedEntry appended(NewEntry entry, long sequence, Map<String, Delivery.State> deliveries,
            String requestedBy, Instant now) {
        lastSequence = Math.max(lastSequence, sequence);
        // a config entry gates steering like a purge: an edge that missed it runs an older configuration
        if (entry.kind() == Kind.PURGE || entry.kind() == Kind.CONFIG) {
            duePerRegions.merge(LogStore.regionsText(entry.regions()), sequence, Math::max);
        }
        settlements.accepted(sequence, entry.kind(), now, deliveries.entrySet().stream()
                .map(d -> new Delivery(d.getKey(), d.getValue(), Optional.empty(), Optional.empty())).toList());
        notifyAll();
        return new LoggedEntry(entry.withSequence(sequence), now, requestedBy);
    }

    /**
     * Several control planes on one database: reads the entries appended since the last call, here or by another
     * control plane (appends commit in sequence order, each waiting for the counter's row lock, so what is
     * committed is always a prefix of the sequence and nothing is skipped), raises the marks steering reads
     * ({@link #dueSequence}, {@link #lastSequence}, the compaction marks), wakes {@link #awaitComplete} waiters
     * (another control plane may have settled what they wait for), and returns those entries, oldest first, each
     * once: the dispatcher hands them to its lanes in this order, whichever control plane accepted them.
     */
    public synchronized List<LoggedEntry> learnNewEntries() {
        if (closed) {
            return List.of();
        }
        store.compactedMarks().forEach((regions, through) -> compactedPerRegions.merge(regions, through, Math::max));
        List<LoggedEntry> learned = new ArrayList<>();
        while (true) {
            List<LoggedEntry> page = store.allAfter(learnedThrough, 500);
            for (LoggedEntry logged : page) {
                InvalidationEntry e = logged.entry();
                learnedThrough = e.sequence();
                lastSequence = Math.max(lastSequence, e.sequence());
                if (e.kind() == Kind.PURGE || e.kind() == Kind.CONFIG) {
                    duePerRegions.merge(LogStore.regionsText(e.regions()), e.sequence(), Math::max);
                }
                learned.add(logged);
            }
            if (page.size() < 500) {
                break;
            }
        }
        lastSequence = Math.max(lastSequence, learnedThrough);
        notifyAll();
        return learned;
    }

    /**
     * The entry a key was first used for, if the same token used it for the same request within the key's
     * lifetime; empty for a new key.
     *
     * @throws IdempotencyKey.Reused when the key was used for a different request
     */
    public synchronized Optional<LoggedEntry> replay(IdempotencyKey key) {
        Optional<LogStore.KeyUse> use = store.keyUse(key);
        if (use.isEmpty()) {
            return Optional.empty();
        }
        if (!use.get().fingerprint().equals(key.fingerprint())) {
            throw new IdempotencyKey.Reused(key.key(), use.get().sequence());
        }
        LoggedEntry first = store.entry(use.get().sequence()).orElseGet(() -> new LoggedEntry(
                compactedStub(use.get().sequence(), use.get().kind()), use.get().createdAt(), key.principal()));
        return Optional.of(first);
    }

    /** Records that {@code key} was answered with entry {@code sequence} (which was made by another request). */
    public synchronized void remember(IdempotencyKey key, long sequence) {
        store.rememberKey(key, sequence, clock.instant());
    }

    public synchronized Optional<LoggedEntry> entry(long sequence) {
        return store.entry(sequence);
    }

    /** A listing: entries newest first, and whether older ones were left out (by count or bytes). */
    public record Listing(List<LoggedEntry> entries, boolean more) {
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

    /**
     * Entries after {@code sequence} that reach {@code region}, oldest first, at most {@code limit}, skipping pushes
     * past their expiry (never replayed).
     */
    public synchronized List<InvalidationEntry> entriesAfter(long sequence, String region, int limit) {
        return entriesAfter(sequence, Long.MAX_VALUE, region, limit);
    }

    /** Like {@link #entriesAfter(long, String, int)}, only entries up to {@code through} (held back past it). */
    public synchronized List<InvalidationEntry> entriesAfter(long sequence, long through, String region, int limit) {
        return store.entriesAfter(sequence, through, region, pushCutoff(), limit, Long.MAX_VALUE).entries();
    }

    /** A catch-up page: like {@link #entriesAfter}, also cut at {@code log.catchUpPageBytes} (one entry at least). */
    public synchronized Page page(long sequence, String region, int maxEntries) {
        return page(sequence, Long.MAX_VALUE, region, maxEntries);
    }

    /** A catch-up page of the entries up to {@code through} only (the shield tier holds back the later ones). */
    public synchronized Page page(long sequence, long through, String region, int maxEntries) {
        return store.entriesAfter(sequence, through, region, pushCutoff(), maxEntries, settings.catchUpPageBytes());
    }

    private long pushCutoff() {
        return clock.instant().toEpochMilli() - settings.pushExpiry().toMillis();
    }

    /**
     * The highest purge or config sequence reaching {@code region}: what an edge there must have applied to be
     * caught up (an edge that missed a config entry runs an older configuration and is not steered to).
     */
    public long dueSequence(String region) {
        return Math.max(highest(duePerRegions, region), highest(compactedPerRegions, region));
    }

    /**
     * Whether an edge of {@code region} that applied up to {@code applied} missed entries that were compacted away:
     * it can no longer catch up entry by entry and must revalidate everything it holds.
     */
    public boolean behindKeptLog(String region, long applied) {
        return applied < highest(compactedPerRegions, region);
    }

    private static long highest(Map<String, Long> perRegions, String region) {
        long highest = 0;
        boolean every = EVERY_REGION.equals(region);
        String needle = "," + region + ",";
        for (Map.Entry<String, Long> e : perRegions.entrySet()) {
            if (every || e.getKey().isEmpty() || e.getKey().contains(needle)) {
                highest = Math.max(highest, e.getValue());
            }
        }
        return highest;
    }

    public long lastSequence() {
        return lastSequence;
    }

    public synchronized List<Delivery> deliveries(long sequence) {
        return store.deliveries(sequence);
    }

    public synchronized EntryStatus status(long sequence) {
        return EntryStatus.of(deliveries(sequence));
    }

    /** Records that {@code node} applied entry {@code sequence} (a live push was acked). */
    public synchronized void markApplied(long sequence, String node) {
        markApplied(sequence, node, Optional.empty());
    }

    /**
     * Records that {@code node} applied entry {@code sequence}, with what it reported (a push's results). A
     * heartbeat may have reported the entry applied first (it raced the live answer): the result is still recorded,
     * the first applied time kept.
     */
    public synchronized void markApplied(long sequence, String node, Optional<String> detail) {
        report(sequence, node, Delivery.State.APPLIED, detail);
    }

    /** Records that {@code node} carried out push {@code sequence} but did not store every URL ({@code detail}). */
    public synchronized void markFailed(long sequence, String node, String detail) {
        report(sequence, node, Delivery.State.FAILED, Optional.of(detail));
    }

    private void report(long sequence, String node, Delivery.State state, Optional<String> detail) {
        changed(sequence, store.update("UPDATE deliveries SET state = ?, applied_at = coalesce(applied_at, ?), detail = ? "
                + "WHERE sequence = ? AND node = ? AND (state IN ('pending', 'behind', 'fenced') "
                + "OR state = 'applied' AND detail IS NULL)", state.wireName(), clock.instant().toEpochMilli(),
                detail.orElse(null), sequence, node));
    }

    /**
     * Records that {@code node} applied every entry up to {@code sequence} (reported in a heartbeat, or counted at
     * registration for an empty cache). Results already recorded stay; deliveries the edge was fenced from count as
     * covered, since a fenced edge revalidates everything (or starts empty) before it reports past them. The entry
     * a live call is delivering to the node is left to that call's answer ({@link #sendingLive}): the edge advances
     * its mark before it answers, so a heartbeat can report the entry applied first, and settling it then would let
     * a waiting client see it complete without what the edge did (a push's results, hosts no service serves).
     */
    public synchronized int markAppliedUpTo(String node, long sequence) {
        long live = liveInFlight.getOrDefault(node, 0L);
        return changedThrough(sequence, store.update("UPDATE deliveries SET applied_at = ?, detail = CASE WHEN state = 'fenced' "
                + "THEN 'covered: the edge revalidated everything (or started empty) after it was fenced' "
                + "ELSE NULL END, state = 'applied' WHERE node = ? AND sequence <= ? AND sequence <> ? "
                + "AND state IN ('pending', 'behind', 'fenced')", clock.instant().toEpochMilli(), node, sequence,
                live));
    }

    /**
     * A live call is delivering entry {@code sequence} to {@code node}: until {@link #answeredLive}, heartbeats do
     * not settle that delivery (its answer, or a heartbeat's result for it, does).
     */
    public synchronized void sendingLive(long sequence, String node) {
        liveInFlight.put(node, sequence);
    }

    /** The live call to {@code node} ended (answered, failed or timed out); heartbeats settle its entry again. */
    public synchronized void answeredLive(String node) {
        liveInFlight.remove(node);
    }

    /** A node left the registry: its deliveries not yet applied are no longer waited for. */
    public synchronized int markRemoved(String node) {
        return changedThrough(Long.MAX_VALUE, store.update("UPDATE deliveries SET state = 'removed', detail = 'node removed from the "
                + "registry' WHERE node = ? AND state IN ('pending', 'behind', 'fenced')", node));
    }

    /** A node was fenced: its deliveries not yet applied are no longer waited for; returns how many. */
    public synchronized int markFenced(String node, String reason) {
        return changedThrough(Long.MAX_VALUE, store.update("UPDATE deliveries SET state = 'fenced', detail = ? WHERE node = ? "
                + "AND state IN ('pending', 'behind')", reason, node));
    }

    /** Marks every delivery still pending as behind, with the reason; returns how many. */
    public synchronized int markPendingBehind(String reason) {
        return changed(store.update("UPDATE deliveries SET state = 'behind', detail = ? WHERE state = 'pending'",
                reason));
    }

    /** Records that {@code node} did not get entry {@code sequence} live; it catches up on its heartbeat. */
    public synchronized void markBehind(long sequence, String node, String reason) {
        changed(store.update("UPDATE deliveries SET state = 'behind', detail = ? WHERE sequence = ? AND node = ? "
                + "AND state = 'pending'", reason, sequence, node));
    }

    /**
     * Counts a push of entry {@code sequence} that {@code node} answered with an error ({@code reason}) and returns
     * how many it answered so; the delivery stays behind (a node that registered after the entry was accepted gets
     * a delivery row for it now, so the count has a home).
     */
    public synchronized int countTry(long sequence, String node, String reason) {
        store.update("INSERT INTO deliveries (sequence, node, state) VALUES (?, ?, 'behind') ON CONFLICT DO NOTHING", sequence,
                node);
        changed(sequence, store.update("UPDATE deliveries SET tries = tries + 1, detail = ?, state = 'behind' "
                + "WHERE sequence = ? AND node = ? AND state IN ('pending', 'behind')", reason, sequence, node));
        return store.deadLetters.deliveryState(sequence, node).map(Map.Entry::getValue).orElse(0);
    }

    /**
     * Dead-letters entry {@code sequence} for {@code node} with the edge's {@code reason}: it stops waiting for the
     * edge, which moves on to later entries without it. {@code refused}: the edge refused it as invalid (else it
     * could not apply it within {@code delivery.maxTries}). Returns whether it was dead-lettered now (it was pending
     * or behind).
     */
    public synchronized boolean markDeadLettered(long sequence, String node, String reason, boolean refused) {
        store.update("INSERT INTO deliveries (sequence, node, state) VALUES (?, ?, 'behind') ON CONFLICT DO NOTHING", sequence,
                node);
        int changed = store.update("UPDATE deliveries SET state = 'dead_lettered', detail = ?, dead_lettered_at = ?, "
                + "tries = tries + ? WHERE sequence = ? AND node = ? AND state IN ('pending', 'behind')", reason,
                clock.instant().toEpochMilli(), refused ? 1 : 0, sequence, node);
        if (changed > 0) {
            observer.deadLettered(node, refused);
        }
        return changed(sequence, changed) > 0;
    }

    /**
     * The mark an edge that applied up to {@code applied} stands at once the entries right after it that were
     * dead-lettered for it (and since retried or discarded) are counted as passed: where its catch-up resumes.
     */
    public synchronized long pastDeadLetters(String node, String region, long applied) {
        long mark = applied;
        while (true) {
            List<InvalidationEntry> next = entriesAfter(mark, region, 1);
            if (next.isEmpty() || !store.deadLetters.wasDeadLettered(next.get(0).sequence(), node)) {
                return mark;
            }
            mark = next.get(0).sequence();
        }
    }

    /** Dead letters after the cursor ({@code afterSequence}, {@code afterNode}), in (sequence, node) order. */
    public synchronized List<DeadLetter> deadLetters(Optional<String> node, boolean openOnly, long afterSequence,
            String afterNode, int limit) {
        return store.deadLetters.list(node, openOnly, afterSequence, afterNode, limit);
    }

    public synchronized Optional<DeadLetter> deadLetter(long sequence, String node) {
        // the cursor just before (sequence, any node): no node id sorts after U+FFFF
        return store.deadLetters.list(Optional.of(node), false, sequence - 1, "\uffff", 1).stream()
                .filter(d -> d.sequence() == sequence).findFirst();
    }

    /** Open dead letters per edge (the metrics and the status). */
    public synchronized Map<String, Long> openDeadLetters() {
        return store.deadLetters.openPerNode();
    }

    /** An operator's retry of an open dead letter reached the edge: applied, with what it answered. */
    public synchronized boolean markRetried(long sequence, String node, String answer) {
        return changed(sequence, store.update("UPDATE deliveries SET state = 'applied', applied_at = ?, detail = ?, "
                + "tries = tries + 1 WHERE sequence = ? AND node = ? AND state = 'dead_lettered'",
                clock.instant().toEpochMilli(), answer, sequence, node)) > 0;
    }

    /** An operator's retry of an open dead letter failed: it stays open, with the new reason. */
    public synchronized void markRetryFailed(long sequence, String node, String reason) {
        store.update("UPDATE deliveries SET tries = tries + 1, detail = ? WHERE sequence = ? AND node = ? "
                + "AND state = 'dead_lettered'", reason, sequence, node);
    }

    /** An operator gave up on an open dead letter; returns whether it was open. */
    public synchronized boolean markDiscarded(long sequence, String node, String by) {
        return changed(sequence, store.update("UPDATE deliveries SET state = 'discarded', detail = 'discarded by ' || ? "
                + "|| ': ' || coalesce(detail, '') WHERE sequence = ? AND node = ? AND state = 'dead_lettered'", by,
                sequence, node)) > 0;
    }

    /** Pushes past their expiry that some edge never got: those deliveries are expired; returns how many. */
    public synchronized int expirePushes() {
        return changedThrough(Long.MAX_VALUE, store.update("UPDATE deliveries SET state = 'expired', detail = 'the push expired before this "
                + "edge got it; pushes are not replayed' WHERE state IN ('pending', 'behind') AND sequence IN "
                + "(SELECT sequence FROM entries WHERE kind = 'push' AND accepted_at < ?)", pushCutoff()));
    }

    /**
     * Deletes entries past the retention (older than {@code log.retention}, or beyond the newest
     * {@code log.retentionEntries}) with their delivery states, and Idempotency-Keys older than
     * {@code keyLifetime}; returns how many entries went.
     */
    public int compact(Duration keyLifetime) {
        long through;
        synchronized (this) {
            Instant now = clock.instant();
            store.forgetKeys(now.minus(keyLifetime));
            through = store.compactionPoint(now.minus(settings.retention()),
                    settings.retentionEntries());
        }
        int total = 0;
        while (through > 0) {
            int deleted;
            // batch by batch, so appends and acks get the lock in between
            synchronized (this) {
                if (closed) {
                    break;
                }
                deleted = store.compactBatch(through, compactedPerRegions);
                settlements.forgetThrough(through);
                changed(deleted);
            }
            if (deleted == 0) {
                break;
            }
            total += deleted;
        }
        return total;
    }

    /** The highest sequence compaction deleted for any region (0 when nothing was). */
    public long compactedThrough() {
        return compactedPerRegions.values().stream().mapToLong(Long::longValue).max().orElse(0);
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

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        notifyAll();
        store.close();
    }

    private int changed(int count) {
        if (count > 0) {
            notifyAll();
        }
        return count;
    }

    /** Deliveries of entry {@code sequence} changed: it may have settled. */
    private int changed(long sequence, int count) {
        if (count > 0) {
            settlements.check(sequence, store::deliveries);
        }
        return changed(count);
    }

    /** Deliveries of entries up to {@code through} changed: some may have settled. */
    private int changedThrough(long through, int count) {
        if (count > 0) {
            settlements.checkThrough(through, store::deliveries);
        }
        return changed(count);
    }

    /**
     * Deliveries not applied (yet, or ever) to each of {@code nodes}, by state ({@code pending}, {@code behind},
     * {@code failed}, {@code expired}), over the kept log: the per-edge rows of the metrics.
     */
    public synchronized Map<String, Map<Delivery.State, Long>> unappliedDeliveries(Collection<String> nodes) {
        return store.unappliedDeliveries(nodes);
    }

    /** An entry that was answered under a key but has since been compacted: its id still answers the retry. */
    private static InvalidationEntry compactedStub(long sequence, Kind kind) {
        return new InvalidationEntry(sequence, kind, List.of(), List.of(), List.of(), List.of(), false, false,
                List.of());
    }
}
