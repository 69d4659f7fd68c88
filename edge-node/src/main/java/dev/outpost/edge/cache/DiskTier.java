package dev.outpost.edge.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The disk tier (L2) under the memory store: one file per stored variant ({@link DiskDirectory}), an in-memory
 * index bounded by bytes, a single writer thread. Design notes (docs/caching-tiers.md has the operator's version):
 * <ul>
 * <li><b>Eviction.</b> The index is a Caffeine cache weighted by file bytes, so disk space is managed by W-TinyLFU:
 * a frequency sketch admits a new object only if it is asked for more often than the victim, which keeps a
 * skewed (Zipf) working set on disk where LRU lets one scan of cold objects flush it. Its removal listener deletes
 * the file.</li>
 * <li><b>Visibility.</b> An object is staged in {@code tmp/}, flushed, then renamed into {@code objects/}; the index
 * learns of it only after the rename. Until then the object is <i>queued</i>: lookups find it in the memory the
 * queue already holds (bounded by {@code maxQueuedBytes}), so an object the memory tier turned away is not fetched
 * again while its write waits. A queued object is answered only after the same {@link Guard} check its publishing
 * will pass (a hard purge since its ticket: not answered, and dropped from the queue; a soft one: answered stale),
 * and its entry leaves the queue only after the index holds the published file, so lookups never fall in a gap.</li>
 * <li><b>Purges.</b> The store above hands each write the purge-fence ticket it took; just before publishing, the
 * writer asks the store's {@link Guard} (under the fence's lock) whether a purge ran since, so a queued write
 * never resurrects what a purge removed. Hard purges unlink files (and flush the directories) before they return,
 * so the applied sequence recorded after them never runs ahead of the disk.</li>
 * <li><b>Restart.</b> Opening reads each file's head and metadata (not its body) to rebuild the index; those
 * objects are <i>restored</i>: until {@code caughtUp} says the edge applied every invalidation it missed while
 * down, they are handed out as must-revalidate (never served as they are, never served stale).</li>
 * </ul>
 */
public final class DiskTier implements AutoCloseable {
    private static final Logger LOG = System.getLogger(DiskTier.class.getName());
    /** Bytes of bodies waiting for the writer, when not configured; past it new writes are declined (rejections). */
    public static final long DEFAULT_MAX_QUEUED_BYTES = 64L * 1024 * 1024;

    /** Decides, just before a written object becomes visible, whether a purge since {@code ticket} forbids it. */
    public interface Guard {
        /** Runs {@code publish} (with whether it must be kept soft-purged) unless a purge forbids; false if it did not. */
        boolean admit(CachedObject object, long ticket, Publish publish);
    }

    /** Makes a written object visible, soft-purged or not. */
    public interface Publish {
        void run(boolean invalidated);
    }

    /** A disk hit: the object, and whether it is asked for often enough to be offered to the memory tier. */
    public record Hit(CachedObject object, boolean promote) {
    }

    private final DiskDirectory files;
    private final long maxObjectBytes;
    private final int maxVariants;
    private final BooleanSupplier caughtUp;
    private final Cache<String, DiskSlots> index;
    private final ExecutorService writer;
    /** Writes not published yet: what lookups find until the index holds the file. */
    private final DiskQueue queued;
    private final AtomicLong stamps = new AtomicLong();
    private final LongAdder hits = new LongAdder();
    private final LongAdder rejections = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder writeFailures = new LongAdder();
    private final LongAdder discarded = new LongAdder();
    private final int restoredAtStart;
    private volatile boolean trusted;
    /** Whether a slice or a sliced object's head was ever indexed (a URL purge then walks the index for them). */
    private volatile boolean holdsSlices;
    /** Whether a hit may read its file on an IO thread (cache.disk.readOnIoThread, decided at open). */
    private final boolean readsOnIoThread;

    private DiskTier(DiskDirectory files, long maxBytes, long maxObjectBytes, int maxVariants, long maxQueuedBytes,
            BooleanSupplier caughtUp, boolean readsOnIoThread) throws IOException {
        this.files = files;
        this.readsOnIoThread = readsOnIoThread;
        this.queued = new DiskQueue(maxQueuedBytes);
        this.maxObjectBytes = maxObjectBytes;
        this.maxVariants = maxVariants;
        this.caughtUp = caughtUp;
        this.index = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, DiskSlots s) -> (int) Math.min(Integer.MAX_VALUE, s.bytes()))
                .executor(Runnable::run)
                .recordStats()
                .removalListener(this::onRemoval)
                .build();
        this.restoredAtStart = restore();
        this.trusted = restoredAtStart == 0;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "disk-writer " + files.root().getFileName());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens (or creates) the tier in {@code dir}, rebuilding the index from the files there.
     *
     * @param maxQueuedBytes bytes of bodies the writer may have waiting (held in memory, and findable, meanwhile);
     *                       past it new writes are declined
     * @param caughtUp       whether every invalidation issued while the edge was down has been applied since it
     *                       started: until then restored objects are handed out as must-revalidate
     */
    public static DiskTier open(Path dir, long maxBytes, long maxObjectBytes, int maxVariantsPerUrl, boolean fsync,
            long maxQueuedBytes, BooleanSupplier caughtUp) {
        return open(dir, maxBytes, maxObjectBytes, maxVariantsPerUrl, fsync, maxQueuedBytes, caughtUp, "auto");
    }

    /**
     * As {@link #open(Path, long, long, int, boolean, long, BooleanSupplier)}, with where hits read their files:
     * {@code readOnIoThread} is {@code auto} (on the IO thread when {@code dir} is on a file system held in memory,
     * {@link #inMemoryFileSystem}), {@code always} or {@code never}.
     */
    public static DiskTier open(Path dir, long maxBytes, long maxObjectBytes, int maxVariantsPerUrl, boolean fsync,
            long maxQueuedBytes, BooleanSupplier caughtUp, String readOnIoThread) {
        DiskDirectory files = null;
        try {
            files = DiskDirectory.open(dir, fsync);
            boolean onIoThread = switch (readOnIoThread) {
                case "always" -> true;
                case "never" -> false;
                case "auto" -> inMemoryFileSystem(dir);
                default -> throw new IllegalArgumentException("readOnIoThread: auto, always or never, not "
                        + readOnIoThread);
            };
            return new DiskTier(files, maxBytes, maxObjectBytes, maxVariantsPerUrl, maxQueuedBytes, caughtUp,
                    onIoThread);
        } catch (IOException | RuntimeException e) {
            if (files != null) {
                files.close();
            }
            throw new UncheckedIOException("cannot open the disk tier in " + dir + ": " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    /**
     * Whether {@code dir} is on tmpfs or ramfs: its files are pages of memory, so a read is a copy that never waits
     * for a device (unless the machine swaps), as cheap as a memory-tier hit's copy to the socket.
     */
    static boolean inMemoryFileSystem(Path dir) {
        try {
            String type = java.nio.file.Files.getFileStore(dir).type();
            return type.equals("tmpfs") || type.equals("ramfs");
        } catch (IOException e) {
            return false; // unknown: read on a worker thread, the safe side
        }
    }

    /** Whether a hit may read its file on an IO thread, without a hand-off to a worker (cache.disk.readOnIoThread). */
    public boolean readsOnIoThread() {
        return readsOnIoThread;
    }

    /** Indexes the whole files found, oldest write first (a newer copy of a variant replaces an older one). */
    private int restore() throws IOException {
        DiskDirectory.Scan scan = files.scan();
        discarded.add(scan.discarded());
        for (DiskDirectory.Found f : scan.found()) {
            stamps.accumulateAndGet(f.head().stamp() + 1, Math::max);
            index(f.head().object(), f.file(), f.head().fileBytes(), true);
        }
        if (!scan.found().isEmpty() || scan.discarded() > 0) {
            LOG.log(Level.INFO, "disk tier " + files.root() + ": " + scan.found().size() + " objects restored, "
                    + scan.discarded() + " incomplete files removed; restored objects are revalidated until the "
                    + "edge caught up");
        }
        return scan.found().size();
    }

    private void index(CachedObject o, Path file, long bytes, boolean restored) {
        if (!holdsSlices && !Slices.objectKeyOf(o.key()).equals(o.key())) {
            holdsSlices = true; // set before the index holds it: a purge that can find the slice also walks for it
        }
        // A file written by this run is in the page cache as written; one found at start is checked once against its
        // body checksum, on its first read (a machine crash may have left a name over blocks never written).
        DiskSlot slot = new DiskSlot(o.variant(), file, bytes, Set.copyOf(o.surrogateKeys()), o.invalidated(), restored,
                new AtomicInteger(), new AtomicBoolean(!restored));
        index.asMap().compute(o.key(), (k, old) -> old == null ? new DiskSlots(o.vary(), Map.of(o.variant(), slot))
                : old.with(o.vary(), slot, maxVariants));
    }

    /**
     * Queues {@code object} to be written; declined (and counted) when it is partial, too large, or the writer is
     * too far behind. {@code ticket} is the store's purge-fence ticket taken when the object was current.
     */
    public void offer(CachedObject object, long ticket, Guard guard) {
        int length = object.length();
        if (object.isPartial() || length > maxObjectBytes) {
            rejections.increment();
            return;
        }
        DiskQueue.Queued q = queued.add(object, ticket, guard);
        if (q == null) {
            rejections.increment(); // the writer is too far behind
            return;
        }
        try {
            writer.execute(() -> {
                try {
                    DiskQueue.Queued now = queued.current(object);
                    if (now == q) {
                        write(object, ticket, guard);
                    } else if (now == null) {
                        rejections.increment(); // purged while it waited
                    } // else a newer copy of the variant was queued behind it: that one is written
                } finally {
                    queued.finished(q); // after the index holds the published file: lookups find one or the other
                }
            });
        } catch (RejectedExecutionException closed) {
            queued.finished(q);
        }
    }

    private void write(CachedObject object, long ticket, Guard guard) {
        DiskDirectory.Staged staged;
        try {
            staged = files.stage(object, stamps.incrementAndGet());
        } catch (IOException | RuntimeException e) {
            writeFailed(object, e);
            return;
        }
        try {
            boolean published = guard.admit(object, ticket, invalidated -> {
                files.publish(staged, invalidated && !object.invalidated());
                index(invalidated ? object.markedStale() : object, staged.target(), staged.bytes(), false);
            });
            if (published) {
                writes.increment();
            } else {
                DiskDirectory.discard(staged.file());
                rejections.increment();
            }
        } catch (RuntimeException e) {
            DiskDirectory.discard(staged.file());
            writeFailed(object, e);
        }
    }

    private void writeFailed(CachedObject object, Exception e) {
        writeFailures.increment();
        LOG.log(Level.WARNING, "disk tier: could not write " + object.key() + ": " + e);
    }

    /**
     * The variant of {@code key} matching the request: a queued write's (newer than any file), else read from its
     * file; {@code null} when none is held.
     */
    public Hit find(String key, Fields requestHeaders) {
        DiskQueue.Queued q = queued.find(key, requestHeaders);
        if (q != null) {
            Hit hit = fromQueue(q);
            if (hit != null) {
                return hit;
            }
        }
        DiskSlots slots = index.getIfPresent(key);
        if (slots == null) {
            return null;
        }
        DiskSlot slot = slots.byVariant().get(Vary.variant(slots.vary(), requestHeaders));
        if (slot == null) {
            return null;
        }
        CachedObject o;
        try {
            o = files.read(slot.file(), slot.bytes(), key, slot.variant(), !slot.verified().get());
            slot.verified().set(true);
        } catch (NoSuchFileException e) {
            return null; // purged or evicted between the index lookup and the open
        } catch (IOException e) {
            LOG.log(Level.WARNING, "disk tier: dropping unreadable " + slot.file() + ": " + e.getMessage());
            discarded.increment();
            index.asMap().computeIfPresent(key, (k, s) -> s.byVariant().get(slot.variant()) == slot
                    ? s.without(slot.variant()) : s);
            return null;
        }
        hits.increment();
        // Restored, and the invalidations missed while down not all applied yet: revalidate, never serve stale.
        boolean untrusted = slot.restored() && !trusted();
        CachedObject served = new CachedObject(o.key(), o.variant(), o.status(), o.headers(), o.heldBody(),
                o.responseTime(), o.initialAge(), o.lifetime(), o.staleWhileRevalidate(), o.staleIfError(),
                o.alwaysRevalidate(), o.noStale() || untrusted, o.invalidated() || slot.invalidated() || untrusted,
                o.vary(), o.surrogateKeys(), o.shared(), o.partial(), o.mapped());
        return new Hit(served, !untrusted && slot.hits().incrementAndGet() >= 2);
    }

    /**
     * A queued object as its publishing would leave it: checked against the purges since its ticket by its guard
     * (a hard one: not answered and dropped from the queue, so it is never written; a soft one: answered stale).
     */
    private Hit fromQueue(DiskQueue.Queued q) {
        CachedObject[] answer = {null};
        boolean allowed = q.guard().admit(q.object(), q.ticket(),
                invalidated -> answer[0] = invalidated ? q.object().markedStale() : q.object());
        if (!allowed) {
            queued.remove(q);
            return null;
        }
        hits.increment();
        queued.counted();
        return new Hit(answer[0], false); // in memory already; promoted, if asked for, once it is a file
    }

    /** Whether restored objects may be served as they are: none were restored, or the edge has caught up. */
    public boolean trusted() {
        if (!trusted && caughtUp.getAsBoolean()) {
            trusted = true;
        }
        return trusted;
    }

    /** Removes (hard) or marks stale (soft) the variants of {@code key}; returns how many. */
    public int purge(String key, boolean soft) {
        return purgeWhere(List.of(key), (k, slots) -> k.equals(key), (k, o) -> k.equals(key), soft, k -> true);
    }

    /**
     * Purges the object keyed {@code key} in every form it may take on disk: its variants, and, sliced, its head
     * and every slice of any validator; returns the variants of the object and of its head (slices are not
     * objects). Looked up by key: the whole index is walked only once the tier has held a slice, for the slices.
     */
    public int purgeObject(String key, boolean soft) {
        String head = Slices.headKey(key);
        List<String> keys = new ArrayList<>(List.of(key, head));
        if (holdsSlices) {
            for (String k : index.asMap().keySet()) {
                if (Slices.belongsTo(k, key) && !k.equals(head)) {
                    keys.add(k);
                }
            }
        }
        Predicate<String> ofObject = k -> k.equals(key) || Slices.belongsTo(k, key);
        return purgeWhere(keys, (k, slots) -> ofObject.test(k), (k, o) -> ofObject.test(k), soft,
                k -> k.equals(key) || k.equals(head));
    }

    /** Purges every URL key the predicate accepts; returns the variants affected. */
    public int purgeIf(Predicate<String> keyMatches, boolean soft) {
        return purgeWhere(index.asMap().keySet(), (key, slots) -> keyMatches.test(key),
                (key, o) -> keyMatches.test(key), soft, k -> true);
    }

    /** Purges every URL whose variants carry {@code tag}; returns the variants affected. */
    public int purgeTag(String tag, boolean soft) {
        return purgeWhere(index.asMap().keySet(), (key, slots) -> slots.hasTag(tag),
                (key, o) -> o.surrogateKeys().contains(tag), soft, k -> true);
    }

    /**
     * Runs {@code purges} so that the directories and files they change are flushed once each, after the last of
     * them, instead of once per purge (a catch-up page applied as one batch); flushed before this returns or throws.
     */
    public void flushingOnce(Runnable purges) {
        files.flushingOnce(purges);
    }

    /**
     * Purges the files of the {@code candidates} that match, and counts the queued writes of URLs not on disk yet. A
     * lookup of a queued write checks the store's purge fence itself (so it is never answered fresh after a purge that
     * ran since it was queued, and never published fresh); a hard purge also drops it from the queue here, so its
     * memory is released and it is not written. Only the variants of keys {@code counted} accepts are counted.
     */
    private int purgeWhere(Iterable<String> candidates, BiPredicate<String, DiskSlots> matches,
            BiPredicate<String, CachedObject> queuedMatches, boolean soft, Predicate<String> counted) {
        int count = 0;
        Set<Path> directories = new LinkedHashSet<>();
        Set<String> matchedOnDisk = new java.util.HashSet<>();
        List<String> keys = new ArrayList<>();
        candidates.forEach(keys::add); // a copy: the loop below removes from the index it may come from
        for (String key : keys) {
            DiskSlots slots = index.policy().getIfPresentQuietly(key); // a purge is no use of the object
            if (slots == null || !matches.test(key, slots)) {
                continue;
            }
            matchedOnDisk.add(key);
            int affected;
            if (soft) {
                affected = softPurge(key);
            } else {
                DiskSlots removed = index.asMap().remove(key); // the removal listener deletes the files
                affected = removed == null ? 0 : removed.byVariant().size();
                if (removed != null) {
                    removed.byVariant().values().forEach(s -> directories.add(s.file().getParent()));
                }
            }
            count += counted.test(key) ? affected : 0;
        }
        // Queued writes: a URL purged on disk loses its queued variants too (hard); one not on disk yet is asked
        // (once per variant, as a file would be) and counted.
        for (DiskQueue.Queued q : queued.all()) {
            String key = q.object().key();
            boolean onDisk = matchedOnDisk.contains(key);
            if (onDisk || queuedMatches.test(key, q.object())) {
                count += onDisk || !counted.test(key) ? 0 : 1;
                if (!soft) {
                    queued.remove(q);
                }
            }
        }
        files.sync(directories);
        return count;
    }

    private int softPurge(String key) {
        int[] count = {0};
        index.asMap().computeIfPresent(key, (k, slots) -> {
            LinkedHashMap<String, DiskSlot> copy = new LinkedHashMap<>();
            for (DiskSlot s : slots.byVariant().values()) {
                count[0]++;
                if (!s.invalidated()) {
                    try {
                        files.markInvalidated(s.file());
                    } catch (IOException e) {
                        continue; // cannot record it durably: dropped (its file deleted) rather than served fresh later
                    }
                }
                copy.put(s.variant(), s.invalidated() ? s : s.invalidatedCopy());
            }
            return copy.isEmpty() ? null : new DiskSlots(slots.vary(), Collections.unmodifiableMap(copy));
        });
        return count[0];
    }

    /** Deletes the files of removed variants that the current value (after a replacement) does not hold. */
    private void onRemoval(String key, DiskSlots removed, RemovalCause cause) {
        if (key == null || removed == null) {
            return;
        }
        DiskSlots current = index.asMap().get(key);
        for (DiskSlot s : removed.byVariant().values()) {
            DiskSlot now = current == null ? null : current.byVariant().get(s.variant());
            if (now == null || !now.file().equals(s.file())) {
                DiskDirectory.delete(s.file());
            }
        }
    }

    /** Waits until every write queued so far is done (for tests and benchmarks). */
    public void drain() {
        try {
            writer.submit(() -> { }).get(5, TimeUnit.MINUTES); // at most maxQueuedBytes queued
        } catch (Exception e) {
            throw new IllegalStateException("disk writer did not drain: " + e, e);
        }
    }

    /** Directories flushed for purges since open (a batch flushes each of its directories once). */
    long directoryFlushes() {
        return files.directoryFlushes();
    }

    /** Bytes of the object files held. */
    public long bytes() {
        return index.policy().eviction().orElseThrow().weightedSize().orElse(0);
    }

    /** The bound on {@link #bytes}. */
    public long maxBytes() {
        return index.policy().eviction().orElseThrow().getMaximum();
    }

    /** URL keys held. */
    public long entries() {
        return index.estimatedSize();
    }

    /** Disk hits, those answered from the queue included. */
    public long hits() {
        return hits.sum();
    }

    /** Hits answered from a queued write (not yet published as a file). */
    public long queuedHits() {
        return queued.hits();
    }

    /** Bytes of bodies queued for the writer now. */
    public long queuedBytes() {
        return queued.bytes();
    }

    /** The bound on {@link #queuedBytes}. */
    public long maxQueuedBytes() {
        return queued.maxBytes();
    }

    public long evictions() {
        return index.stats().evictionCount();
    }

    /** Writes declined (too large, partial, writer behind, purged while queued). */
    public long rejections() {
        return rejections.sum();
    }

    public long writes() {
        return writes.sum();
    }

    public long writeFailures() {
        return writeFailures.sum();
    }

    /** Objects indexed at start from a previous run. */
    public int restored() {
        return restoredAtStart;
    }

    /** Leftover or incomplete files removed (at start, or found unreadable since). */
    public long discarded() {
        return discarded.sum();
    }

    /** Finishes queued writes (they are fenced as usual), stops the writer and releases the directory. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            writer.shutdownNow();
            Thread.currentThread().interrupt();
        }
        files.close();
    }
}
