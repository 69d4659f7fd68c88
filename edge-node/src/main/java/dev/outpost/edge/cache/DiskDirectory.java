package dev.outpost.edge.cache;

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
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * The files of one {@link DiskTier}: {@code objects/<2 hex>/<name>-<stamp>.obj} (whole object files only),
 * {@code tmp/} (writes not yet published) and a {@code lock} held while open, so two edges never share it. Writes
 * are staged in {@code tmp/}, flushed, then renamed into {@code objects/} (atomic), so a name there always holds a
 * whole file; see {@link DiskFile} for what "whole" is checked against.
 */
final class DiskDirectory implements AutoCloseable {
    private static final Logger LOG = System.getLogger(DiskDirectory.class.getName());
    /** Bodies up to this are copied to the heap on a read; larger ones are mapped. */
    static final int HEAP_READ_BYTES = 64 * 1024;
    /** Files up to this (the common small CDN object) are read whole, with one positional read, into one buffer. */
    static final int WHOLE_READ_BYTES = 64 * 1024;
    /** Flushes a batch issues at once (see {@link #flushTogether}). */
    private static final int FLUSH_THREADS = 16;

    /** An object file found at start, with what its head says. */
    record Found(Path file, DiskFile.Head head) {
    }

    /** What a start found: whole files, oldest write first, and how many leftovers it deleted. */
    record Scan(List<Found> found, int discarded) {
    }

    /** A written file in {@code tmp/}, and where it goes once published. */
    record Staged(Path file, Path target, long bytes) {
    }

    private final Path root;
    private final Path objects;
    private final Path tmp;
    /** Flush object writes; purges (unlinks, soft-purge flags) are flushed whatever it says. */
    private final boolean fsync;
    private final FileChannel lockFile;
    /**
     * The flushes the purges of a batch ({@link #flushingOnce}) owe, on the thread running it: each directory and
     * soft-purged file is flushed once, when the batch ends, instead of once per purge.
     */
    private final ThreadLocal<Owed> owed = new ThreadLocal<>();
    private final LongAdder directoryFlushes = new LongAdder();

    /** Directories and files written by a batch's purges and not flushed yet. */
    private record Owed(Set<Path> directories, Set<Path> files) {
    }

    private DiskDirectory(Path root, boolean fsync, FileChannel lockFile) {
        this.root = root;
        this.objects = root.resolve("objects");
        this.tmp = root.resolve("tmp");
        this.fsync = fsync;
        this.lockFile = lockFile;
    }

    /**
     * Creates what is missing (the 256 shard directories too, once: creating them per write would cost a failed
     * mkdir and a thrown and caught exception each time) and takes the lock; fails when another edge holds it.
     */
    static DiskDirectory open(Path root, boolean fsync) throws IOException {
        Path objects = root.resolve("objects");
        Files.createDirectories(objects);
        Files.createDirectories(root.resolve("tmp"));
        for (int shard = 0; shard < 256; shard++) {
            Path dir = objects.resolve(HexFormat.of().toHexDigits((byte) shard));
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
            }
        }
        FileChannel lockFile = FileChannel.open(root.resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock held;
        try {
            held = lockFile.tryLock();
        } catch (OverlappingFileLockException e) {
            held = null; // held by this JVM
        }
        if (held == null) {
            lockFile.close();
            throw new IOException("another edge uses it (cache.disk.dir must be one edge's own)");
        }
        return new DiskDirectory(root, fsync, lockFile);
    }

    Path root() {
        return root;
    }

    /**
     * Deletes every staged leftover (a write a crash interrupted: never published, never read) and every object
     * file that is not whole; answers the whole ones, oldest write first. Reads heads and metadata, never bodies.
     */
    Scan scan() throws IOException {
        int discarded = 0;
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(tmp)) {
            for (Path p : leftovers) {
                Files.deleteIfExists(p);
                discarded++;
            }
        }
        List<Found> found = new ArrayList<>();
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(objects)) {
            for (Path shard : shards) {
                if (!Files.isDirectory(shard)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
                    for (Path file : files) {
                        Optional<DiskFile.Head> head = readHead(file);
                        if (head.isPresent()) {
                            found.add(new Found(file, head.get()));
                        } else {
                            Files.deleteIfExists(file);
                            discarded++;
                        }
                    }
                }
            }
        }
        found.sort(Comparator.comparingLong(f -> f.head().stamp()));
        return new Scan(found, discarded);
    }

    private static Optional<DiskFile.Head> readHead(Path file) {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            return DiskFile.read(in);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Writes {@code object} to {@code tmp/} (flushed when fsync is on); not visible until {@link #publish}. */
    Staged stage(CachedObject object, long stamp) throws IOException {
        Path staged = tmp.resolve(stamp + ".tmp");
        try {
            long bytes = DiskFile.write(staged, object, stamp, fsync);
            Path shard = objects.resolve(HexFormat.of().formatHex(sha256(object.key()), 0, 1)); // made at open
            String name = HexFormat.of().formatHex(sha256(object.key() + '\u0000' + object.variant()), 0, 12);
            return new Staged(staged, shard.resolve(name + "-" + stamp + ".obj"), bytes);
        } catch (IOException | RuntimeException e) {
            discard(staged);
            throw e;
        }
    }

    /** Makes a staged file visible under its target name (marked soft-purged first when asked). */
    void publish(Staged staged, boolean markInvalidated) {
        try {
            if (markInvalidated) {
                DiskFile.markInvalidated(staged.file(), fsync);
            }
            try {
                Files.move(staged.file(), staged.target(), StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException shardGone) {
                // Its shard directory was removed under us (made at open, not per write): made again, tried once more.
                Files.createDirectories(staged.target().getParent());
                Files.move(staged.file(), staged.target(), StandardCopyOption.ATOMIC_MOVE);
            }
            if (fsync) {
                syncDirectory(staged.target().getParent());
            }
        } catch (AtomicMoveNotSupportedException e) {
            throw new UncheckedIOException("the disk tier needs tmp/ and objects/ on one file system", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a staged file that is not to be published. */
    static void discard(Path staged) {
        try {
            Files.deleteIfExists(staged);
        } catch (IOException ignored) {
            // tmp/ is emptied at the next start
        }
    }

    /**
     * Sets the soft-purge flag in the file, flushed: the applied sequence recorded after the purge must not run
     * ahead of it, or a power loss could bring the object back fresh.
     */
    void markInvalidated(Path file) throws IOException {
        Owed batch = owed.get();
        DiskFile.markInvalidated(file, batch == null);
        if (batch != null) {
            batch.files().add(file);
        }
    }

    /**
     * Runs {@code purges} (on this thread) so that each directory their unlinks touched and each file they marked
     * soft-purged is flushed once, after the last of them, instead of once per purge: a catch-up page of hundreds of
     * purges costs one flush per shard directory. Whatever {@code purges} did is flushed before this returns or
     * throws, so a caller that records an applied sequence after it never runs ahead of the disk. A batch inside a
     * batch is flushed by the outer one.
     */
    void flushingOnce(Runnable purges) {
        if (owed.get() != null) {
            purges.run();
            return;
        }
        Owed batch = new Owed(new LinkedHashSet<>(), new LinkedHashSet<>());
        owed.set(batch);
        try {
            purges.run();
        } finally {
            owed.remove();
            flushTogether(batch);
        }
    }

    /**
     * Flushes a batch's files and directories on several threads at once, and returns when every flush is done: a
     * journaling file system (ext4, XFS) commits the unlinks of every directory in one journal transaction, so
     * flushes issued together wait for one commit (and one device cache flush) where one after another each paid
     * its own round trip to the device (measured: 221 directory flushes one by one took 1.3 s of a restart's
     * catch-up on the build machine's disk).
     */
    private void flushTogether(Owed batch) {
        List<Runnable> flushes = new ArrayList<>();
        batch.files().forEach(file -> flushes.add(() -> flushFile(file)));
        batch.directories().forEach(directory -> flushes.add(() -> flushDirectories(List.of(directory))));
        if (flushes.size() <= 1) {
            flushes.forEach(Runnable::run);
            return;
        }
        int threads = Math.min(FLUSH_THREADS, flushes.size());
        ExecutorService pool = Executors.newFixedThreadPool(threads,
                Thread.ofPlatform().daemon().name("disk-flush-", 0).factory());
        try {
            List<Future<?>> done = new ArrayList<>();
            flushes.forEach(f -> done.add(pool.submit(f)));
            for (Future<?> f : done) {
                awaitUninterruptibly(f);
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Waits for a flush even when interrupted (the caller records a sequence after it), then re-asserts it. */
    private static void awaitUninterruptibly(Future<?> flush) {
        boolean interrupted = false;
        while (true) {
            try {
                flush.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                LOG.log(Level.WARNING, "disk tier: a flush failed: " + e.getCause());
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void flushFile(Path file) {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            out.force(false);
        } catch (NoSuchFileException gone) {
            // hard-purged or evicted later in the batch: its directory's flush covers the unlink
        } catch (IOException e) {
            LOG.log(Level.WARNING, "disk tier: could not flush " + file + ": " + e.getMessage());
        }
    }

    /** Directories flushed for purges since open (each batch flushes a directory once). */
    long directoryFlushes() {
        return directoryFlushes.sum();
    }

    /**
     * The object in {@code file}, checked to be whole, {@code fileBytes} long (as indexed) and {@code key}'s
     * {@code variant} (and, when asked, its body against its checksum). A file up to {@link #WHOLE_READ_BYTES} is
     * read with one positional read into one heap buffer and its body is a slice of it (open, pread, close: no
     * fstat, no separate head read, no second copy; {@link CachedObject#mapped}, as it is a view of a disk read);
     * a larger one's body is read into the heap or, past {@link #HEAP_READ_BYTES}, mapped. Its soft-purge flag is
     * the file's.
     */
    CachedObject read(Path file, long fileBytes, String key, String variant, boolean verify) throws IOException {
        if (fileBytes <= WHOLE_READ_BYTES) {
            return readWhole(file, (int) fileBytes, key, variant, verify);
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            Optional<DiskFile.Head> head = DiskFile.read(in);
            if (head.isEmpty() || !head.get().object().key().equals(key)
                    || !head.get().object().variant().equals(variant)) {
                throw new IOException("not a whole object file of " + key);
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
            if (verify && DiskFile.crc(body) != h.bodyCrc()) {
                throw new IOException("body checksum mismatch (its blocks never reached the device?)");
            }
            return withBody(h, body, mapped);
        }
    }

    private static CachedObject readWhole(Path file, int fileBytes, String key, String variant, boolean verify)
            throws IOException {
        // One byte more than indexed: a file longer than the one indexed is not it.
        ByteBuffer whole = ByteBuffer.allocate(fileBytes + 1);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long at = 0;
            while (whole.hasRemaining()) {
                int n = in.read(whole, at);
                if (n < 0) {
                    break;
                }
                at += n;
                if (at == fileBytes) {
                    // This read asked for more and stopped here: a regular file's read is short only at its end,
                    // so the file is exactly as long as indexed (one pread, no fstat, no extra read to see EOF).
                    break;
                }
            }
        }
        whole.flip();
        Optional<DiskFile.Head> head = DiskFile.read(whole);
        if (whole.remaining() != fileBytes || head.isEmpty() || !head.get().object().key().equals(key)
                || !head.get().object().variant().equals(variant)) {
            throw new IOException("not a whole object file of " + key);
        }
        DiskFile.Head h = head.get();
        ByteBuffer body = whole.slice((int) h.bodyOffset(), (int) h.bodyLength());
        if (verify && DiskFile.crc(body) != h.bodyCrc()) {
            throw new IOException("body checksum mismatch (its blocks never reached the device?)");
        }
        return withBody(h, body, true); // a view of the file's buffer: copied before the memory tier holds it
    }

    private static CachedObject withBody(DiskFile.Head h, ByteBuffer body, boolean mapped) {
        CachedObject meta = h.object();
        return new CachedObject(meta.key(), meta.variant(), meta.status(), meta.headers(), body,
                meta.responseTime(), meta.initialAge(), meta.lifetime(), meta.staleWhileRevalidate(),
                meta.staleIfError(), meta.alwaysRevalidate(), meta.noStale(), meta.invalidated(), meta.vary(),
                meta.surrogateKeys(), meta.shared(), Partial.NONE, mapped);
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "disk tier: could not delete " + file + ": " + e.getMessage());
        }
    }

    /**
     * Flushes the entries of these directories (a purge's unlinks) to the device, whatever {@code fsync} says: the
     * applied sequence recorded after the purge must not run ahead of them.
     */
    void sync(Collection<Path> directories) {
        Owed batch = owed.get();
        if (batch != null) {
            batch.directories().addAll(directories); // flushed once, when the batch ends
            return;
        }
        flushDirectories(directories);
    }

    private void flushDirectories(Collection<Path> directories) {
        for (Path directory : directories) {
            directoryFlushes.increment();
            try {
                syncDirectory(directory);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "disk tier: could not flush " + directory + ": " + e.getMessage());
            }
        }
    }

    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Releases the lock. */
    @Override
    public void close() {
        try {
            lockFile.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "disk tier: could not release the lock of " + root + ": " + e.getMessage());
        }
    }
}
