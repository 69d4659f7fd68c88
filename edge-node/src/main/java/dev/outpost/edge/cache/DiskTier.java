package dev.outpost.edge.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The disk tier (L2) under the memory store: one file per stored variant, an in-memory index bounded by bytes, a
 * single writer thread. Design notes (docs/caching-tiers.md has the operator's version):
 * <ul>
 * <li><b>Eviction.</b> The index is a Caffeine cache weighted by file bytes, so disk space is managed by W-TinyLFU:
 * a frequency sketch admits a new object only if it is asked for more often than the victim, which keeps a
 * skewed (Zipf) working set on disk where LRU lets one scan of cold objects flush it. Its removal listener deletes
 * the file.</li>
 * <li><b>Visibility.</b> An object is written to {@code tmp/}, flushed ({@code fsync}), then renamed into
 * {@code objects/}: rename is atomic, so a name in {@code objects/} always holds a whole file, and the index learns
 * of it only after the rename. A file is whole only when its size matches its head ({@link DiskFile}); anything
 * else is deleted when found. {@code tmp/} is emptied at start.</li>
 * <li><b>Purges.</b> The store above hands each write the purge-fence ticket it took; just before publishing, the
 * writer asks the store's {@link Guard} (under the fence's lock) whether a purge ran since, so a queued write
 * never resurrects what a purge removed. Hard purges unlink files (and flush the directories) before they return,
 * so the applied sequence recorded after them never runs ahead of the disk.</li>
 * <li><b>Restart.</b> Opening reads each file's head and metadata (not its body) to rebuild the index; those
 * objects are <i>restored</i>: until {@code caughtUp} says the edge applied every invalidation it missed while
 * down, they are handed out as must-revalidate (never served as they are, never served stale).</li>
 * <li><b>Serving.</b> A small body is read into a heap buffer; a larger one is memory-mapped (the page cache holds
 * it, not the heap), so memory stays bounded whatever the object sizes.</li>
 * </ul>
 */
public final class DiskTier implements AutoCloseable {
    private static final Logger LOG = System.getLogger(DiskTier.class.getName());
    /** Bodies up to this are copied to the heap on a read; larger ones are mapped. */
    static final int HEAP_READ_BYTES = 64 * 1024;
    /** Bytes of bodies waiting for the writer; past it new writes are declined (counted as rejections). */
    static final long MAX_PENDING_BYTES = 64L * 1024 * 1024;

    /** Decides, just before a written object becomes visible, whether a purge since {@code ticket} forbids it. */
    public interface Guard {
        /** Runs {@code publish} (with whether it must be kept soft-purged) unless a purge forbids; false if it did not. */
        boolean admit(CachedObject object, long ticket, Publish publish);
    }

    /** Makes a written object visible, soft-purged or not. */
    public interface Publish {
        void run(boolean invalidated);
    }

    /** One stored variant: its file and what purges and lookups must know without opening it. */
    record Slot(String variant, Path file, long bytes, Set<String> tags, boolean invalidated, boolean restored,
            AtomicInteger hits) {
        Slot invalidatedCopy() {
            return new Slot(variant, file, bytes, tags, true, restored, hits);
        }
    }

    /** A URL's variants on disk, immutable. */
    record Slots(List<String> vary, Map<String, Slot> byVariant) {
        long bytes() {
            long b = 0;
            for (Slot s : byVariant.values()) {
                b += s.bytes();
            }
            return b;
        }

        Slots with(List<String> newVary, Slot slot, int maxVariants) {
            if (!vary.equals(newVary)) {
                return new Slots(newVary, Map.of(slot.variant(), slot));
            }
            LinkedHashMap<String, Slot> copy = new LinkedHashMap<>(byVariant);
            copy.remove(slot.variant());
            copy.put(slot.variant(), slot);
            while (copy.size() > maxVariants) {
                copy.remove(copy.keySet().iterator().next());
            }
            return new Slots(vary, Collections.unmodifiableMap(copy));
        }

        boolean hasTag(String tag) {
            return byVariant.values().stream().anyMatch(s -> s.tags().contains(tag));
        }
    }

    /** A disk hit: the object, and whether it is asked for often enough to be offered to the memory tier. */
    public record Hit(CachedObject object, boolean promote) {
    }

    private final Path objects;
    private final Path tmp;
    private final long maxObjectBytes;
    private final int maxVariants;
    private final boolean fsync;
    private final BooleanSupplier caughtUp;
    private final Cache<String, Slots> index;
    private final ExecutorService writer;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicLong stamps = new AtomicLong();
    private final LongAdder hits = new LongAdder();
    private final LongAdder rejections = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder writeFailures = new LongAdder();
    private final LongAdder discarded = new LongAdder();
    private volatile boolean trusted;
    private final int restoredAtStart;
    /** Held while open: two edges writing one directory would delete each other's files. */
    private final FileChannel lockFile;
    private final FileLock lock;

    private DiskTier(Path dir, long maxBytes, long maxObjectBytes, int maxVariants, boolean fsync,
            BooleanSupplier caughtUp) throws IOException {
        this.objects = dir.resolve("objects");
        this.tmp = dir.resolve("tmp");
        this.maxObjectBytes = maxObjectBytes;
        this.maxVariants = maxVariants;
        this.fsync = fsync;
        this.caughtUp = caughtUp;
        Files.createDirectories(objects);
        Files.createDirectories(tmp);
        this.lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held;
        try {
            held = lockFile.tryLock();
        } catch (OverlappingFileLockException e) {
            held = null;
        }
        if (held == null) {
            lockFile.close();
            throw new IOException("another edge uses it (cache.disk.dir must be one edge's own)");
        }
        this.lock = held;
        this.index = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, Slots s) -> (int) Math.min(Integer.MAX_VALUE, s.bytes()))
                .executor(Runnable::run)
                .recordStats()
                .removalListener(this::onRemoval)
                .build();
        try {
            this.restoredAtStart = restore();
        } catch (IOException | RuntimeException e) {
            lockFile.close(); // releases the lock
            throw e;
        }
        this.trusted = restoredAtStart == 0;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "disk-writer " + dir.getFileName());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens (or creates) the tier in {@code dir}, rebuilding the index from the files there.
     *
     * @param caughtUp whether every invalidation issued while the edge was down has been applied since it started:
     *                 until then restored objects are handed out as must-revalidate
     */
    public static DiskTier open(Path dir, long maxBytes, long maxObjectBytes, int maxVariantsPerUrl, boolean fsync,
            BooleanSupplier caughtUp) {
        try {
            return new DiskTier(dir, maxBytes, maxObjectBytes, maxVariantsPerUrl, fsync, caughtUp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the disk tier in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Rebuilds the index from the object files' heads, oldest write first; deletes what is not whole. */
    private int restore() throws IOException {
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(tmp)) {
            for (Path p : leftovers) {
                Files.deleteIfExists(p); // a write a crash interrupted: never published, never read
                discarded.increment();
            }
        }
        record Found(Path file, DiskFile.Head head) {
        }
        List<Found> found = new ArrayList<>();
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(objects)) {
            for (Path shard : shards) {
                if (!Files.isDirectory(shard)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
                    for (Path file : files) {
                        var head = readHead(file);
                        if (head.isPresent()) {
                            found.add(new Found(file, head.get()));
                        } else {
                            Files.deleteIfExists(file);
                            discarded.increment();
                        }
                    }
                }
            }
        }
        // Oldest first: a newer copy of the same variant (a crash between its rename and the old one's removal)
        // replaces the older, whose file the removal listener deletes.
        found.sort(Comparator.comparingLong(f -> f.head().stamp()));
        for (Found f : found) {
            stamps.accumulateAndGet(f.head().stamp() + 1, Math::max);
            index(f.head().object(), f.file(), f.head().fileBytes(), true);
        }
        if (!found.isEmpty()) {
            LOG.log(Level.INFO, "disk tier " + objects.getParent() + ": " + found.size() + " objects restored, "
                    + discarded.sum() + " incomplete files removed; served after revalidation until caught up");
        }
        return found.size();
    }

    private static java.util.Optional<DiskFile.Head> readHead(Path file) {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            return DiskFile.read(in);
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private void index(CachedObject o, Path file, long bytes, boolean restored) {
        Slot slot = new Slot(o.variant(), file, bytes, Set.copyOf(o.surrogateKeys()), o.invalidated(), restored,
                new AtomicInteger());
        index.asMap().compute(o.key(), (k, old) -> old == null ? new Slots(o.vary(), Map.of(o.variant(), slot))
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
        if (pendingBytes.addAndGet(length) > MAX_PENDING_BYTES) {
            pendingBytes.addAndGet(-length);
            rejections.increment();
            return;
        }
        try {
            writer.execute(() -> {
                try {
                    write(object, ticket, guard);
                } finally {
                    pendingBytes.addAndGet(-length);
                }
            });
        } catch (RejectedExecutionException closed) {
            pendingBytes.addAndGet(-length);
        }
    }

    private void write(CachedObject object, long ticket, Guard guard) {
        long stamp = stamps.incrementAndGet();
        Path staged = tmp.resolve(stamp + ".tmp");
        try {
            long bytes = DiskFile.write(staged, object, stamp, fsync);
            Path shard = objects.resolve(shardOf(object.key()));
            Files.createDirectories(shard);
            Path target = shard.resolve(nameOf(object) + "-" + stamp + ".obj");
            boolean published = guard.admit(object, ticket, invalidated -> publish(object, staged, target, bytes,
                    invalidated));
            if (!published) {
                Files.deleteIfExists(staged);
                rejections.increment();
            } else {
                writes.increment();
            }
        } catch (IOException | UncheckedIOException e) {
            writeFailures.increment();
            LOG.log(Level.WARNING, "disk tier: could not write " + object.key() + ": " + e);
            try {
                Files.deleteIfExists(staged);
            } catch (IOException ignored) {
                // tmp/ is emptied at the next start
            }
        }
    }

    /** Renames the staged file into place, then indexes it; runs under the store's fence lock. */
    private void publish(CachedObject object, Path staged, Path target, long bytes, boolean invalidated) {
        try {
            if (invalidated && !object.invalidated()) {
                DiskFile.markInvalidated(staged, fsync);
            }
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
            if (fsync) {
                syncDirectory(target.getParent());
            }
        } catch (AtomicMoveNotSupportedException e) {
            throw new UncheckedIOException("the disk tier needs tmp/ and objects/ on one file system", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        index(invalidated ? object.markedStale() : object, target, bytes, false);
    }

    /** The variant of {@code key} matching the request, read from its file; {@code null} when none is held. */
    public Hit find(String key, Fields requestHeaders) {
        Slots slots = index.getIfPresent(key);
        if (slots == null) {
            return null;
        }
        Slot slot = slots.byVariant().get(Vary.variant(slots.vary(), requestHeaders));
        if (slot == null) {
            return null;
        }
        CachedObject object = read(key, slot);
        if (object == null) {
            return null;
        }
        hits.increment();
        boolean restoredUntrusted = slot.restored() && !trusted();
        if (restoredUntrusted) {
            // Restored, and the invalidations missed while down are not all applied yet: revalidate, never stale.
            return new Hit(new CachedObject(object.key(), object.variant(), object.status(), object.headers(),
                    object.body(), object.responseTime(), object.initialAge(), object.lifetime(),
                    object.staleWhileRevalidate(), object.staleIfError(), object.alwaysRevalidate(), true, true,
                    object.vary(), object.surrogateKeys(), object.shared(), object.partial(), object.mapped()), false);
        }
        return new Hit(object, slot.hits().incrementAndGet() >= 2);
    }

    /** Whether restored objects may be served as they are: none were restored, or the edge has caught up. */
    public boolean trusted() {
        if (!trusted && caughtUp.getAsBoolean()) {
            trusted = true;
        }
        return trusted;
    }

    private CachedObject read(String key, Slot slot) {
        try (FileChannel in = FileChannel.open(slot.file(), StandardOpenOption.READ)) {
            var head = DiskFile.read(in);
            if (head.isEmpty() || !head.get().object().key().equals(key)
                    || !head.get().object().variant().equals(slot.variant())) {
                throw new IOException("not a whole object file");
            }
            DiskFile.Head h = head.get();
            ByteBuffer body;
            boolean mapped = h.bodyLength() > HEAP_READ_BYTES;
            if (!mapped) {
                body = ByteBuffer.allocate((int) h.bodyLength());
                DiskFile.readFully(in, body, h.bodyOffset());
                body.flip();
            } else {
                // Mapped, not copied: the page cache holds it; the mapping outlives the file if a purge unlinks it.
                body = in.map(FileChannel.MapMode.READ_ONLY, h.bodyOffset(), h.bodyLength());
            }
            CachedObject meta = h.object();
            return new CachedObject(meta.key(), meta.variant(), meta.status(), meta.headers(), body,
                    meta.responseTime(), meta.initialAge(), meta.lifetime(), meta.staleWhileRevalidate(),
                    meta.staleIfError(), meta.alwaysRevalidate(), meta.noStale(), slot.invalidated(), meta.vary(),
                    meta.surrogateKeys(), meta.shared(), Partial.NONE, mapped);
        } catch (NoSuchFileException e) {
            return null; // purged or evicted between the index lookup and the open
        } catch (IOException e) {
            LOG.log(Level.WARNING, "disk tier: dropping unreadable " + slot.file() + ": " + e.getMessage());
            discarded.increment();
            index.asMap().computeIfPresent(key, (k, s) -> s.byVariant().get(slot.variant()) == slot
                    ? without(s, slot.variant()) : s);
            return null;
        }
    }

    private static Slots without(Slots s, String variant) {
        LinkedHashMap<String, Slot> copy = new LinkedHashMap<>(s.byVariant());
        copy.remove(variant);
        return copy.isEmpty() ? null : new Slots(s.vary(), Collections.unmodifiableMap(copy));
    }

    /** Removes (hard) or marks stale (soft) the variants of {@code key}; returns how many. */
    public int purge(String key, boolean soft) {
        return purgeIf(key::equals, soft);
    }

    /** Purges every URL key the predicate accepts; returns the variants affected. */
    public int purgeIf(Predicate<String> keyMatches, boolean soft) {
        return purgeWhere((key, slots) -> keyMatches.test(key), soft);
    }

    /** Purges every URL whose variants carry {@code tag}; returns the variants affected. */
    public int purgeTag(String tag, boolean soft) {
        return purgeWhere((key, slots) -> slots.hasTag(tag), soft);
    }

    private int purgeWhere(java.util.function.BiPredicate<String, Slots> matches, boolean soft) {
        int count = 0;
        Set<Path> directories = new LinkedHashSet<>();
        for (Map.Entry<String, Slots> e : new ArrayList<>(index.asMap().entrySet())) {
            if (!matches.test(e.getKey(), e.getValue())) {
                continue;
            }
            if (soft) {
                count += softPurge(e.getKey());
            } else {
                Slots removed = index.asMap().remove(e.getKey());
                if (removed != null) {
                    count += removed.byVariant().size();
                    removed.byVariant().values().forEach(s -> directories.add(s.file().getParent()));
                }
            }
        }
        if (fsync) {
            directories.forEach(DiskTier::syncQuietly);
        }
        return count;
    }

    private int softPurge(String key) {
        int[] count = {0};
        index.asMap().computeIfPresent(key, (k, slots) -> {
            LinkedHashMap<String, Slot> copy = new LinkedHashMap<>();
            for (Slot s : slots.byVariant().values()) {
                count[0]++;
                if (!s.invalidated()) {
                    try {
                        DiskFile.markInvalidated(s.file(), fsync);
                    } catch (IOException e) {
                        // Cannot record it durably: drop the object rather than risk serving it fresh later.
                        deleteQuietly(s.file());
                        continue;
                    }
                }
                copy.put(s.variant(), s.invalidated() ? s : s.invalidatedCopy());
            }
            return copy.isEmpty() ? null : new Slots(slots.vary(), Collections.unmodifiableMap(copy));
        });
        return count[0];
    }

    private void onRemoval(String key, Slots removed, RemovalCause cause) {
        if (key == null || removed == null) {
            return;
        }
        Slots current = index.asMap().get(key);
        for (Slot s : removed.byVariant().values()) {
            if (current == null || current.byVariant().get(s.variant()) == null
                    || !current.byVariant().get(s.variant()).file().equals(s.file())) {
                deleteQuietly(s.file());
            }
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "disk tier: could not delete " + file + ": " + e.getMessage());
        }
    }

    private static void syncQuietly(Path directory) {
        try {
            syncDirectory(directory);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "disk tier: could not flush " + directory + ": " + e.getMessage());
        }
    }

    /** Flushes a directory's entries (a rename or unlink in it) to the device. */
    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private static String shardOf(String key) {
        return HexFormat.of().formatHex(sha256(key), 0, 1);
    }

    private static String nameOf(CachedObject o) {
        return HexFormat.of().formatHex(sha256(o.key() + '\u0000' + o.variant()), 0, 12);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until every write queued so far is done (for tests and an orderly close). */
    public void drain() {
        try {
            writer.submit(() -> { }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("disk writer did not drain: " + e, e);
        }
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

    public long hits() {
        return hits.sum();
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

    /** Every URL key held. */
    public List<String> keys() {
        return new ArrayList<>(index.asMap().keySet());
    }

    /** Finishes queued writes (they are fenced as usual), then stops the writer. */
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
        try {
            lock.release();
            lockFile.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "disk tier: could not release its lock: " + e.getMessage());
        }
    }
}
