package dev.outpost.edge.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The disk tier (L2) under the memory store: one file per stored variant, an in-memory index bounded by bytes, a
 * single writer thread. This class opens the tier and answers lookups; its parts (docs/caching-tiers.md has the
 * operator's version):
 * <ul>
 * <li><b>Files</b> ({@link DiskDirectory}; hits read by {@link DiskReads}; purges flushed by {@link DiskFlushes}):
 * one file per variant, its format in {@link DiskFile}.</li>
 * <li><b>Eviction</b> ({@link DiskIndex}): a Caffeine cache weighted by file bytes, so disk space is managed by
 * W-TinyLFU: a frequency sketch admits a new object only if it is asked for more often than the victim, which keeps
 * a skewed (Zipf) working set on disk where LRU lets one scan of cold objects flush it. Its removal listener deletes
 * the file.</li>
 * <li><b>Visibility</b> ({@link DiskWriter}, {@link DiskQueue}): an object is staged in {@code tmp/}, flushed, then
 * renamed into {@code objects/}; the index learns of it only after the rename. Until then the object is
 * <i>queued</i>: lookups find it in the memory the queue already holds (bounded by {@code maxQueuedBytes}), so an
 * object the memory tier turned away is not fetched again while its write waits. A queued object is answered only
 * after the same {@link Guard} check its publishing will pass (a hard purge since its ticket: not answered, and
 * dropped from the queue; a soft one: answered stale), and its entry leaves the queue only after the index holds
 * the published file, so lookups never fall in a gap.</li>
 * <li><b>Purges</b> ({@link DiskPurges}): the store above hands each write the purge-fence ticket it took; just
 * before publishing, the writer asks the store's {@link Guard} (under the fence's lock) whether a purge ran since, so
 * a queued write never resurrects what a purge removed. Hard purges unlink files (and flush the directories) before
 * they return, so the applied sequence recorded after them never runs ahead of the disk.</li>
 * <li><b>Restart</b>: opening reads each file's head and metadata (not its body) to rebuild the index; those
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
    private final BooleanSupplier caughtUp;
    private final DiskIndex index;
    /** Writes not published yet: what lookups find until the index holds the file. */
    private final DiskQueue queued;
    private final DiskWriter writer;
    private final DiskSpace space;
    private final DiskPurges purges;
    private final LongAdder hits = new LongAdder();
    private final LongAdder discarded = new LongAdder();
    private final int restoredAtStart;
    private volatile boolean trusted;
    /** Whether a hit may read its file on an IO thread (cache.disk.readOnIoThread, decided at open). */
    private final boolean readsOnIoThread;

    private DiskTier(DiskDirectory files, DiskSpace space, long maxBytes, long maxObjectBytes, int maxVariants,
            long maxQueuedBytes, BooleanSupplier caughtUp, boolean readsOnIoThread) throws IOException {
        this.files = files;
        this.readsOnIoThread = readsOnIoThread;
        this.queued = new DiskQueue(maxQueuedBytes);
        this.caughtUp = caughtUp;
        this.index = new DiskIndex(maxBytes, maxVariants);
        DiskDirectory.Scan scan = files.scan();
        long lastStamp = restore(scan);
        this.restoredAtStart = scan.found().size();
        this.trusted = restoredAtStart == 0;
        this.space = space;
        this.writer = new DiskWriter(files, index, space, queued, maxObjectBytes, lastStamp);
        writer.fitToSpace(); // a disk that filled up while the edge was down: the tier gives back its share now
        this.purges = new DiskPurges(files, index, queued);
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
        return open(dir, maxBytes, maxObjectBytes, maxVariantsPerUrl, fsync, maxQueuedBytes, caughtUp, readOnIoThread,
                (Long) null);
    }

    /**
     * As {@link #open(Path, long, long, int, boolean, long, BooleanSupplier, String)}, keeping at least
     * {@code minFreeBytes} free on the file system holding {@code dir} ({@link DiskSpace}; {@code null}: 5 % of its
     * size, at most 1 GiB).
     */
    public static DiskTier open(Path dir, long maxBytes, long maxObjectBytes, int maxVariantsPerUrl, boolean fsync,
            long maxQueuedBytes, BooleanSupplier caughtUp, String readOnIoThread, Long minFreeBytes) {
        return open(dir, maxBytes, maxObjectBytes, maxVariantsPerUrl, fsync, maxQueuedBytes, caughtUp, readOnIoThread,
                d -> DiskSpace.of(d, maxBytes, minFreeBytes));
    }

    /** A tier whose file system says it has {@code usableBytes} free (tests of a device filling up). */
    static DiskTier open(Path dir, long maxBytes, long minFreeBytes, java.util.function.LongSupplier usableBytes) {
        return open(dir, maxBytes, maxBytes, 8, false, DEFAULT_MAX_QUEUED_BYTES, () -> true, "never",
                d -> new DiskSpace(d.toString(), maxBytes, minFreeBytes, usableBytes));
    }

    /** Where a tier learns how much space its file system has. */
    private interface SpaceOf {
        DiskSpace of(Path dir) throws IOException;
    }

    private static DiskTier open(Path dir, long maxBytes, long maxObjectBytes, int maxVariantsPerUrl, boolean fsync,
            long maxQueuedBytes, BooleanSupplier caughtUp, String readOnIoThread, SpaceOf spaceOf) {
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
            return new DiskTier(files, spaceOf.of(dir), maxBytes, maxObjectBytes, maxVariantsPerUrl, maxQueuedBytes,
                    caughtUp, onIoThread);
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

    /** Indexes the whole files a start found; returns the stamp the first write comes after. */
    private long restore(DiskDirectory.Scan scan) {
        discarded.add(scan.discarded());
        long lastStamp = index.restore(scan.found());
        if (!scan.found().isEmpty() || scan.discarded() > 0) {
            LOG.log(Level.INFO, "disk tier " + files.root() + ": " + scan.found().size() + " objects restored, "
                    + scan.discarded() + " incomplete files removed; restored objects are revalidated until the "
                    + "edge caught up");
        }
        return lastStamp;
    }

    /**
     * Queues {@code object} to be written; declined (and counted) when it is partial, too large, or the writer is
     * too far behind. {@code ticket} is the store's purge-fence ticket taken when the object was current.
     */
    public void offer(CachedObject object, long ticket, Guard guard) {
        writer.offer(object, ticket, guard);
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
        DiskSlot slot = index.find(key, requestHeaders);
        if (slot == null) {
            return null;
        }
        CachedObject o;
        try {
            o = DiskReads.read(slot.file(), slot.bytes(), key, slot.variant(), !slot.verified().get());
            slot.verified().set(true);
        } catch (NoSuchFileException e) {
            return null; // purged or evicted between the index lookup and the open
        } catch (IOException e) {
            LOG.log(Level.WARNING, "disk tier: dropping unreadable " + slot.file() + ": " + e.getMessage());
            discarded.increment();
            index.drop(key, slot);
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
        return purges.purge(key, soft);
    }

    /**
     * Purges the object keyed {@code key} in every form it may take on disk: its variants, and, sliced, its head
     * and every slice of any validator; returns the variants of the object and of its head (slices are not
     * objects). Looked up by key: the whole index is walked only once the tier has held a slice, for the slices.
     */
    public int purgeObject(String key, boolean soft) {
        return purges.purgeObject(key, soft);
    }

    /** Purges every URL key the predicate accepts; returns the variants affected. */
    public int purgeIf(Predicate<String> keyMatches, boolean soft) {
        return purges.purgeIf(keyMatches, soft);
    }

    /** Purges every URL whose variants carry {@code tag}; returns the variants affected. */
    public int purgeTag(String tag, boolean soft) {
        return purges.purgeTag(tag, soft);
    }

    /**
     * Runs {@code purges} so that the directories and files they change are flushed once each, after the last of
     * them, instead of once per purge (a catch-up page applied as one batch); flushed before this returns or throws.
     */
    public void flushingOnce(Runnable purges) {
        files.flushingOnce(purges);
    }

    /** Waits until every write queued so far is done (for tests and benchmarks). */
    public void drain() {
        writer.drain();
    }

    /** Directories flushed for purges since open (a batch flushes each of its directories once). */
    long directoryFlushes() {
        return files.directoryFlushes();
    }

    /** Bytes of the object files held. */
    public long bytes() {
        return index.bytes();
    }

    /** The bound on {@link #bytes}: {@code cache.disk.maxBytes}, or less while the file system is short of space. */
    public long maxBytes() {
        return index.maxBytes();
    }

    /** The bytes the tier leaves free on its file system ({@code cache.disk.minFreeBytes}, or its default). */
    public long minFreeBytes() {
        return space.minFreeBytes();
    }

    /** URL keys held. */
    public long entries() {
        return index.entries();
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
        return index.evictions();
    }

    /** Writes declined (too large, partial, writer behind, purged while queued). */
    public long rejections() {
        return writer.rejections();
    }

    public long writes() {
        return writer.writes();
    }

    public long writeFailures() {
        return writer.writeFailures();
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
        writer.close();
        files.close();
    }
}
