package dev.outpost.edge.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
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
import java.util.List;
import java.util.Optional;

/**
 * The files of one {@link DiskTier}: {@code objects/<2 hex>/<name>-<stamp>.obj} (whole object files only),
 * {@code tmp/} (writes not yet published) and a {@code lock} held while open, so two edges never share it. Writes
 * are staged in {@code tmp/}, flushed, then renamed into {@code objects/} (atomic), so a name there always holds a
 * whole file; see {@link DiskFile} for what "whole" is checked against. Hits read the files with {@link DiskReads};
 * what makes purges durable (flushes, batched) is {@link DiskFlushes}.
 */
final class DiskDirectory implements AutoCloseable {
    private static final Logger LOG = System.getLogger(DiskDirectory.class.getName());
    /** Never used itself, only cloned ({@link #sha256}). */
    private static final MessageDigest SHA_256 = sha256Prototype();

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
    private final DiskFlushes flushes = new DiskFlushes();

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
                DiskFlushes.syncDirectory(staged.target().getParent());
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
        flushes.markInvalidated(file);
    }

    /**
     * Runs {@code purges} (on this thread) so that each directory their unlinks touched and each file they marked
     * soft-purged is flushed once, after the last of them, instead of once per purge ({@link DiskFlushes}).
     */
    void flushingOnce(Runnable purges) {
        flushes.flushingOnce(purges);
    }

    /** Directories flushed for purges since open (each batch flushes a directory once). */
    long directoryFlushes() {
        return flushes.directoryFlushes();
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
        flushes.sync(directories);
    }

    private static byte[] sha256(String s) {
        try {
            // A clone of one instance: getInstance looks the provider up on every call (0.8 % of a disk-tier edge)
            return ((MessageDigest) SHA_256.clone()).digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageDigest sha256Prototype() {
        try {
            return MessageDigest.getInstance("SHA-256");
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
