package dev.outpost.edge.cache;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.LongSupplier;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The object store: a {@link MemoryTier} (Caffeine bounded by bytes, one entry per URL key holding its Vary
 * variants, a surrogate-key index), and the purge fencing in front of every write: a fetch takes a ticket before it
 * asks the origin, and its answer is stored only if no matching purge ran since ({@link PurgeFence}).
 *
 * <p>With a {@link DiskTier} below it, every write also goes to disk (written behind, fenced against purges like
 * a fetch), every purge reaches both tiers, and a memory miss looks on disk: a disk hit asked for again is offered
 * back to memory, where the admission and W-TinyLFU decide whether it stays.
 */
public final class CacheStore {
    /** How long purges are remembered for fetches in flight, when the caller does not say (see {@link PurgeFence}). */
    public static final Duration DEFAULT_PURGE_MEMORY = Duration.ofMinutes(2);
    private static final int MAX_PURGE_MARKS = 100_000;

    private final MemoryTier memory;
    /** Null without a disk tier (the hit path avoids an Optional per request). */
    private final DiskTier disk;
    private final PurgeFence fence;
    private final ReadWriteLock fenceLock = new ReentrantReadWriteLock();
    private final LongAdder refusedAfterPurge = new LongAdder();
    /** Told the keys of every purge (all keys for a tag purge) as it runs, e.g. to detach fetches in flight. */
    private final List<Consumer<Predicate<String>>> purgeListeners = new CopyOnWriteArrayList<>();

    public CacheStore(long maxBytes, int maxVariantsPerUrl) {
        this(maxBytes, maxVariantsPerUrl, DEFAULT_PURGE_MEMORY);
    }

    /**
     * @param purgeMemory how long a purge is remembered to fence off fetches that started before it: longer than
     *                    any fetch may take (the origin's total timeout)
     */
    public CacheStore(long maxBytes, int maxVariantsPerUrl, Duration purgeMemory) {
        this(maxBytes, maxVariantsPerUrl, purgeMemory, Optional.empty());
    }

    /** A store over {@code disk} (which the caller closes), if given. */
    public CacheStore(long maxBytes, int maxVariantsPerUrl, Duration purgeMemory, Optional<DiskTier> disk) {
        this(maxBytes, maxVariantsPerUrl, purgeMemory, disk, true);
    }

    /**
     * @param sizeAwareAdmission whether fetched objects pass {@link SizeAwareAdmission} before entering memory
     *                           (false: Caffeine's W-TinyLFU alone, for the bench's comparison)
     */
    public CacheStore(long maxBytes, int maxVariantsPerUrl, Duration purgeMemory, Optional<DiskTier> disk,
            boolean sizeAwareAdmission) {
        this(maxBytes, maxVariantsPerUrl, purgeMemory, disk, sizeAwareAdmission, System::nanoTime);
    }

    /** @param fenceClock the purge fence's clock (a test's may hold a purge while it records itself) */
    CacheStore(long maxBytes, int maxVariantsPerUrl, Duration purgeMemory, Optional<DiskTier> disk,
            boolean sizeAwareAdmission, LongSupplier fenceClock) {
        this.disk = disk.orElse(null);
        this.fence = new PurgeFence(purgeMemory, MAX_PURGE_MARKS, fenceClock);
        this.memory = new MemoryTier(maxBytes, maxVariantsPerUrl, sizeAwareAdmission);
    }

    /** The stored variant matching the request, from memory or else from disk. */
    public Optional<CachedObject> lookup(String key, Fields requestHeaders) {
        CachedObject inMemory = memory.find(key, requestHeaders);
        return Optional.ofNullable(inMemory != null ? inMemory : findOnDisk(key, requestHeaders));
    }

    /**
     * The memory tier's variant matching the request, without the Optional, for the hit path; {@code null} when
     * nothing matches ({@link #findOnDisk} is next). Counts the request for the key's frequency: call it once per
     * client request (the edge's cache handler does), not for the store's own second looks.
     */
    public CachedObject find(String key, Fields requestHeaders) {
        memory.requested(key);
        return memory.find(key, requestHeaders);
    }

    /**
     * The disk tier's variant matching the request ({@code null} without a disk tier or when none matches). One
     * asked for again is offered to memory, unless a purge ran since the lookup began.
     */
    public CachedObject findOnDisk(String key, Fields requestHeaders) {
        if (disk == null) {
            return null;
        }
        long ticket = fence.ticket();
        DiskTier.Hit hit = disk.find(key, requestHeaders);
        if (hit == null) {
            return null;
        }
        if (hit.promote()) {
            fenceLock.readLock().lock();
            try {
                // Admission first, on the disk read's view (charged the same as its copy): a promotion the memory
                // tier refuses costs no copy into direct memory, which only a GC would give back.
                if (fence.since(ticket, key, hit.object().surrogateKeys()).isEmpty()
                        && memory.admits(hit.object())) {
                    CachedObject owned = MemoryTier.owned(hit.object());
                    if (owned != null) {
                        memory.put(owned);
                    }
                }
            } finally {
                fenceLock.readLock().unlock();
            }
        }
        return hit.object();
    }

    /** Whether a disk tier is below (without an allocation, for the hit path). */
    public boolean hasDisk() {
        return disk != null;
    }

    /**
     * Whether a memory miss may look in the disk tier on the IO thread (its reads never wait for a device:
     * {@link DiskTier#readsOnIoThread}); false without a disk tier.
     */
    public boolean diskReadsOnIoThread() {
        return disk != null && disk.readsOnIoThread();
    }

    /** The disk tier, if there is one. */
    public Optional<DiskTier> disk() {
        return Optional.ofNullable(disk);
    }

    /** Calls {@code listener} with what each purge matches, before the purge removes anything. */
    public void onPurge(Consumer<Predicate<String>> listener) {
        purgeListeners.add(listener);
    }

    private void purging(Predicate<String> keys) {
        for (Consumer<Predicate<String>> listener : purgeListeners) {
            listener.accept(keys);
        }
    }

    /** Taken by a fetch before it asks the origin; hand it to {@link #putFetched} with the answer. */
    public long fetchTicket() {
        return fence.ticket();
    }

    /** What {@link #putFetched} did with an answer. */
    public enum Admission {
        /** Stored as it is. */
        STORED,
        /** A soft purge ran while it was being fetched: stored, but already stale (revalidated on next use). */
        STORED_STALE,
        /** A purge ran while it was being fetched: not stored (it may be what the purge meant to remove). */
        REFUSED
    }

    /**
     * Stores an answer the origin gave to a fetch that took {@code ticket} when it started, unless a matching purge
     * ran since (a purge undone by a fetch already in flight). The check and the write hold the fence's read lock
     * and a purge records itself under the write lock, before it removes anything: either this write is done (and
     * visible to the purge's removal) before the purge is recorded, or the check sees the purge.
     */
    public Admission putFetched(CachedObject object, long ticket) {
        fenceLock.readLock().lock();
        try {
            Optional<PurgeFence.Mark> purged = fence.since(ticket, object.key(), object.surrogateKeys());
            if (purged.isEmpty()) {
                store(object, true);
                return Admission.STORED;
            }
            refusedAfterPurge.increment();
            if (!purged.get().soft()) {
                return Admission.REFUSED;
            }
            // Kept as a stale copy to revalidate, unless a newer answer took its place meanwhile.
            if (memory.variant(object.key(), object.variant()) == null) {
                store(object.markedStale(), true);
            }
            return Admission.STORED_STALE;
        } finally {
            fenceLock.readLock().unlock();
        }
    }

    /**
     * Runs {@code fill} (which may {@link #putFetched}) only if that cannot wait for the purge fence: its read lock
     * is taken at once or not at all. False, without running it, while a purge records itself (the write lock is
     * held): a caller that must never wait (an IO thread) runs the fill elsewhere then. A purge that waits for the
     * write lock behind a reader (the disk writer publishes under the read lock, and a publish may wait for the
     * device) does not hold this up: {@code tryLock} takes a free read lock whoever waits, and {@link #putFetched}
     * within re-enters it without queueing behind that purge, as a plain {@code lock} would.
     */
    public boolean tryFillWithoutWaiting(Runnable fill) {
        if (!fenceLock.readLock().tryLock()) {
            return false;
        }
        try {
            fill.run();
        } finally {
            fenceLock.readLock().unlock();
        }
        return true;
    }

    private void fencePurge(Runnable record) {
        fenceLock.writeLock().lock();
        try {
            record.run();
        } finally {
            fenceLock.writeLock().unlock();
        }
    }

    /** Answers not stored (or stored stale) because a purge ran while they were fetched, since start. */
    public long refusedAfterPurge() {
        return refusedAfterPurge.sum();
    }

    /** Stores in memory and, written behind, on disk (a push: memory's admission does not apply). */
    public void put(CachedObject object) {
        store(object, false);
    }

    /**
     * Stores on disk and in memory; when {@code admitting}, a URL not yet in memory enters it only if
     * {@link SizeAwareAdmission} lets it (it still goes to disk, whose own policy decides there).
     */
    private void store(CachedObject object, boolean admitting) {
        CachedObject owned = MemoryTier.owned(object);
        if (owned != null && (!admitting || memory.admits(owned))) {
            memory.put(owned);
        }
        if (disk != null) {
            disk.offer(object, fence.ticket(), this::admitToDisk);
        }
    }

    /**
     * Publishes a disk write unless a purge since {@code ticket} forbids it: checked and published under the
     * fence's read lock, as {@link #putFetched} does, so a purge either sees the published file or the write sees it.
     */
    private boolean admitToDisk(CachedObject object, long ticket, DiskTier.Publish publish) {
        fenceLock.readLock().lock();
        try {
            Optional<PurgeFence.Mark> purged = fence.since(ticket, object.key(), object.surrogateKeys());
            if (purged.isPresent() && !purged.get().soft()) {
                return false;
            }
            publish.run(purged.isPresent());
            return true;
        } finally {
            fenceLock.readLock().unlock();
        }
    }

    /**
     * Runs {@code purges} as one batch: the disk tier flushes each directory and file they changed once, after the
     * last of them, instead of once per purge; all of it durable before this returns or throws.
     */
    public void flushingOnce(Runnable purges) {
        if (disk == null) {
            purges.run();
        } else {
            disk.flushingOnce(purges);
        }
    }

    /** Removes (hard) or marks stale (soft) every variant of the URL key; returns the variants affected. */
    public int purge(String key, boolean soft) {
        // The URL's sliced form (its head and every slice, of any validator) goes with it: slice fetches in flight
        // are fenced off like the URL's own, and no slice outlives the purge of its object.
        Predicate<String> urlOrSlices = k -> k.equals(key) || Slices.belongsTo(k, key);
        fencePurge(() -> fence.purgedKeys(urlOrSlices, soft));
        purging(urlOrSlices);
        int inMemory = memory.purgeUrl(key, soft);
        // One object may be in both tiers: the larger count is the number of objects affected (slices not counted).
        return disk == null ? inMemory : Math.max(inMemory, disk.purgeObject(key, soft));
    }

    /** Purges every URL key the predicate accepts; returns the variants affected. */
    public int purgeIf(Predicate<String> keyMatches, boolean soft) {
        fencePurge(() -> fence.purgedKeys(keyMatches, soft));
        purging(keyMatches);
        int count = memory.purgeIf(keyMatches, soft);
        return disk == null ? count : Math.max(count, disk.purgeIf(keyMatches, soft));
    }

    /** Purges every URL whose stored variants carry the surrogate key; returns the variants affected. */
    public int purgeTag(String tag, boolean soft) {
        fencePurge(() -> fence.purgedTag(tag, soft));
        purging(k -> true); // which keys carry the tag is known only once their answers are in
        int count = memory.purgeTag(tag, soft);
        return disk == null ? count : Math.max(count, disk.purgeTag(tag, soft));
    }

    /** Bytes held in memory, as the weigher counts them. */
    public long bytes() {
        return memory.bytes();
    }

    /** Whether neither tier holds anything (a fresh edge: nothing logged so far can concern it). */
    public boolean isEmpty() {
        return memory.entries() == 0 && (disk == null || disk.entries() == 0);
    }

    /** Hits in the memory tier since start. */
    public long hits() {
        return memory.hits();
    }

    /** URL entries held in memory (each may hold several variants). */
    public long entries() {
        return memory.entries();
    }

    public long evictions() {
        return memory.evictions();
    }

    /** Fetched or promoted objects kept out of memory by its size-aware admission, since start. */
    public long refusedByAdmission() {
        return memory.refusedByAdmission();
    }

    /** URL keys indexed under a surrogate key (for tests and the admin API). */
    public Set<String> keysTagged(String tag) {
        return memory.keysTagged(tag);
    }

    /** Every stored variant of every URL, for audits and the attack tests. */
    public List<CachedObject> objects() {
        return memory.objects();
    }

    /** Every URL key held, for purge by prefix or host. */
    public List<String> keys() {
        return memory.keys();
    }
}
