package dev.outpost.edge.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The object store: Caffeine bounded by bytes (W-TinyLFU, a weigher counting what an entry holds, and a
 * {@link MemoryAdmission} in front deciding by frequency per byte), one entry per URL key holding that URL's Vary
 * variants (capped, oldest dropped), and a surrogate-key → URL keys index that the removal listener keeps
 * consistent with evictions. Listeners run on the writing thread, so when a write returns
 * the store is already back under its bound.
 *
 * <p>With a {@link DiskTier} below it, every write also goes to disk (written behind, fenced against purges like
 * a fetch), every purge reaches both tiers, and a memory miss looks on disk: a disk hit asked for again is offered
 * back to memory, where the admission and W-TinyLFU decide whether it stays.
 */
public final class CacheStore {
    /** How long purges are remembered for fetches in flight, when the caller does not say (see {@link PurgeFence}). */
    public static final Duration DEFAULT_PURGE_MEMORY = Duration.ofMinutes(2);
    private static final int MAX_PURGE_MARKS = 100_000;

    private final Cache<String, UrlVariants> cache;
    private final MemoryAdmission admission;
    /** Null without a disk tier (the hit path avoids an Optional per request). */
    private final DiskTier disk;
    private final int maxVariants;
    private final Map<String, Set<String>> keysByTag = new ConcurrentHashMap<>();
    private final PurgeFence fence;
    private final ReadWriteLock fenceLock = new ReentrantReadWriteLock();
    private final LongAdder refusedAfterPurge = new LongAdder();
    /** Told the keys of every purge (all keys for a tag purge) as it runs, e.g. to detach fetches in flight. */
    private final List<Consumer<Predicate<String>>> purgeListeners = new CopyOnWriteArrayList<>();
    /** Whether a slice or a sliced object's head was ever held in memory (URL purges then look for them). */
    private volatile boolean holdsSlices;

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
        this.disk = disk.orElse(null);
        this.maxVariants = maxVariantsPerUrl;
        this.fence = new PurgeFence(purgeMemory, MAX_PURGE_MARKS, System::nanoTime);
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, UrlVariants v) -> v.weight())
                .executor(Runnable::run)
                .recordStats()
                .removalListener(this::onRemoval)
                .build();
        this.admission = new MemoryAdmission(cache, KeyFrequencies.forBytes(maxBytes), sizeAwareAdmission);
    }

    /** The stored variant matching the request, from memory or else from disk. */
    public Optional<CachedObject> lookup(String key, Fields requestHeaders) {
        CachedObject inMemory = inMemory(key, requestHeaders);
        return Optional.ofNullable(inMemory != null ? inMemory : findOnDisk(key, requestHeaders));
    }

    /**
     * The memory tier's variant matching the request, without the Optional, for the hit path; {@code null} when
     * nothing matches ({@link #findOnDisk} is next). Counts the request for the key's frequency: call it once per
     * client request (the edge's cache handler does), not for the store's own second looks.
     */
    public CachedObject find(String key, Fields requestHeaders) {
        admission.requested(key);
        return inMemory(key, requestHeaders);
    }

    private CachedObject inMemory(String key, Fields requestHeaders) {
        UrlVariants variants = cache.getIfPresent(key);
        if (variants == null) {
            return null;
        }
        CachedObject exact = variants.get(Vary.variant(variants.vary(), requestHeaders));
        return exact != null || !variants.vary().contains("accept-language") ? exact
                : byLanguage(variants, requestHeaders);
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
                CachedObject owned = forMemory(hit.object());
                if (owned != null && fence.since(ticket, key, hit.object().surrogateKeys()).isEmpty()
                        && admits(owned)) {
                    putInMemory(owned);
                }
            } finally {
                fenceLock.readLock().unlock();
            }
        }
        return hit.object();
    }

    /**
     * The object as the memory tier may hold it: as it is, or, when its body is a view of a disk read (a mapped
     * file, or a slice of the buffer a small file was read into whole, metadata included), with the body copied to
     * direct memory like a fill's (the memory tier's bound counts body bytes it owns, and a mapping would keep a
     * replaced file's blocks alive); {@code null} when direct memory is full.
     */
    private static CachedObject forMemory(CachedObject o) {
        if (!o.mapped()) {
            return o;
        }
        ByteBuffer body = o.body();
        ByteBuffer copy;
        try {
            copy = ByteBuffer.allocateDirect(body.remaining());
        } catch (OutOfMemoryError e) {
            return null; // no room for it in memory: it stays on disk only
        }
        copy.put(body).flip();
        return new CachedObject(o.key(), o.variant(), o.status(), o.headers(), copy, o.responseTime(),
                o.initialAge(), o.lifetime(), o.staleWhileRevalidate(), o.staleIfError(), o.alwaysRevalidate(),
                o.noStale(), o.invalidated(), o.vary(), o.surrogateKeys(), o.shared(), o.partial());
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

    /**
     * A variant that differs only in Accept-Language, in the language the request ranks first: made for another
     * spelling of the same preference ({@code de-DE,de;q=0.9} and {@code de}), it is what the origin would send.
     */
    private static CachedObject byLanguage(UrlVariants variants, Fields requestHeaders) {
        List<String> others = new ArrayList<>(variants.vary());
        others.remove("accept-language");
        String rest = Vary.variant(others, requestHeaders);
        for (CachedObject o : variants.objects()) {
            Optional<String> language = o.headers().joined("content-language");
            if (language.isPresent() && Vary.without(o.variant(), "accept-language").equals(rest)
                    && Vary.prefersLanguage(requestHeaders, language.get())) {
                return o;
            }
        }
        return null;
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
            if (find(object.key(), object.variant()) == null) {
                store(object.markedStale(), true);
            }
            return Admission.STORED_STALE;
        } finally {
            fenceLock.readLock().unlock();
        }
    }

    private CachedObject find(String key, String variant) {
        UrlVariants variants = cache.getIfPresent(key);
        return variants == null ? null : variants.get(variant);
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
        CachedObject owned = forMemory(object);
        if (owned != null && (!admitting || admits(owned))) {
            putInMemory(owned);
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

    private boolean admits(CachedObject object) {
        return admission.admits(object);
    }

    private void putInMemory(CachedObject object) {
        if (!holdsSlices && Slices.belongsTo(object.key(), Slices.objectKeyOf(object.key()))) {
            holdsSlices = true; // from now on a URL purge also looks for the URL's slices in memory
        }
        cache.asMap().compute(object.key(), (k, old) -> old == null || !old.vary().equals(object.vary())
                ? UrlVariants.of(object) : old.with(object, maxVariants));
        for (String tag : object.surrogateKeys()) {
            keysByTag.computeIfAbsent(tag, t -> ConcurrentHashMap.newKeySet()).add(object.key());
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
        int inMemory = remove(key, soft);
        if (holdsSlices) {
            String head = Slices.headKey(key);
            for (String k : new ArrayList<>(cache.asMap().keySet())) {
                if (Slices.belongsTo(k, key)) {
                    int n = remove(k, soft);
                    inMemory += k.equals(head) ? n : 0; // one sliced object counts once, by its head
                }
            }
        }
        // One object may be in both tiers: the larger count is the number of objects affected (slices not counted).
        return disk == null ? inMemory : Math.max(inMemory, disk.purgeObject(key, soft));
    }

    private int remove(String key, boolean soft) {
        int[] count = {0};
        cache.asMap().computeIfPresent(key, (k, v) -> {
            count[0] = v.size();
            return soft ? markedStale(v) : null;
        });
        return count[0];
    }

    /** Purges every URL key the predicate accepts; returns the variants affected. */
    public int purgeIf(Predicate<String> keyMatches, boolean soft) {
        fencePurge(() -> fence.purgedKeys(keyMatches, soft));
        purging(keyMatches);
        int count = 0;
        for (String key : new ArrayList<>(cache.asMap().keySet())) {
            if (keyMatches.test(key)) {
                count += remove(key, soft);
            }
        }
        return disk == null ? count : Math.max(count, disk.purgeIf(keyMatches, soft));
    }

    /** Purges every URL whose stored variants carry the surrogate key; returns the variants affected. */
    public int purgeTag(String tag, boolean soft) {
        fencePurge(() -> fence.purgedTag(tag, soft));
        purging(k -> true); // which keys carry the tag is known only once their answers are in
        Set<String> keys = keysByTag.getOrDefault(tag, Set.of());
        int count = 0;
        for (String key : new ArrayList<>(keys)) {
            UrlVariants v = cache.getIfPresent(key);
            if (v != null && v.hasTag(tag)) {
                count += remove(key, soft);
            }
        }
        return disk == null ? count : Math.max(count, disk.purgeTag(tag, soft));
    }

    private static UrlVariants markedStale(UrlVariants v) {
        LinkedHashMap<String, CachedObject> copy = new LinkedHashMap<>();
        v.objects().forEach(o -> copy.put(o.variant(), o.markedStale()));
        return UrlVariants.of(v.vary(), copy);
    }

    private void onRemoval(String key, UrlVariants removed, RemovalCause cause) {
        if (key == null || removed == null) {
            return;
        }
        UrlVariants current = cache.asMap().get(key);
        for (CachedObject o : removed.objects()) {
            for (String tag : o.surrogateKeys()) {
                if (current == null || !current.hasTag(tag)) {
                    keysByTag.computeIfPresent(tag, (t, keys) -> {
                        keys.remove(key);
                        return keys.isEmpty() ? null : keys;
                    });
                }
            }
        }
    }

    /** Bytes held, as the weigher counts them. */
    public long bytes() {
        return cache.policy().eviction().orElseThrow().weightedSize().orElse(0);
    }

    /** Whether neither tier holds anything (a fresh edge: nothing logged so far can concern it). */
    public boolean isEmpty() {
        return cache.estimatedSize() == 0 && (disk == null || disk.entries() == 0);
    }

    /** Hits in the memory tier since start. */
    public long hits() {
        return cache.stats().hitCount();
    }

    /** URL entries held in memory (each may hold several variants). */
    public long entries() {
        return cache.estimatedSize();
    }

    public long evictions() {
        return cache.stats().evictionCount() + admission.evicted();
    }

    /** Fetched or promoted objects kept out of memory by its size-aware admission, since start. */
    public long refusedByAdmission() {
        return admission.refused();
    }

    /** URL keys indexed under a surrogate key (for tests and the admin API). */
    public Set<String> keysTagged(String tag) {
        return Set.copyOf(keysByTag.getOrDefault(tag, Set.of()));
    }

    /** Every stored variant of every URL, for audits and the attack tests. */
    public List<CachedObject> objects() {
        List<CachedObject> all = new ArrayList<>();
        cache.asMap().values().forEach(v -> all.addAll(v.objects()));
        return all;
    }

    /** Every URL key held, for purge by prefix or host. */
    public List<String> keys() {
        return new ArrayList<>(cache.asMap().keySet());
    }
}
