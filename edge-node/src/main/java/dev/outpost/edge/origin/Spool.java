package dev.outpost.edge.origin;

import dev.outpost.common.problem.DeviceFull;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Disk space for origin bodies the edge receives faster than its clients read them and does not keep in memory
 * (too large to store, not storable, passed through): the origin is read at its own speed into a spool file, so a
 * slow client never holds an origin connection (nginx's proxy temp files). Bounded by {@code maxBytes} for all
 * bodies together; a body that finds no room goes on through a small memory window at its slowest reader's pace.
 * Files are opened delete-on-close (on Linux the name is gone at once, so a killed process leaves nothing) and
 * their space returns when their body is done and read; names left on other systems are removed at start.
 */
public final class Spool {
    private static final String PREFIX = "fill-";
    private static final Logger LOG = System.getLogger(Spool.class.getName());
    private static final long WARNING_INTERVAL_NANOS = 60_000_000_000L;

    private final Path dir;
    private final long maxBytes;
    private final AtomicLong used = new AtomicLong();
    private final LongAdder full = new LongAdder();
    private final AtomicLong lastFailureWarning = new AtomicLong();

    public Spool(Path dir, long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("spool.maxBytes must be >= 0, was " + maxBytes);
        }
        this.dir = dir;
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(dir);
            try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, PREFIX + "*")) {
                for (Path leftover : leftovers) {
                    Files.deleteIfExists(leftover);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("spool.dir " + dir + " is not a usable directory: " + e.getMessage(), e);
        }
    }

    /**
     * A new, empty spool file, deleted on close. Created and opened in one step: another spool on the same directory
     * (the same edge id on one host, as test JVMs running side by side) removes the names it finds when it starts,
     * and a name made first and opened after could be removed in between (the body then broke after its head).
     */
    FileChannel newFile() throws IOException {
        while (true) {
            Path file = dir.resolve(PREFIX + Long.toUnsignedString(ThreadLocalRandom.current().nextLong()) + ".body");
            try {
                return FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE), ownerOnly(dir));
            } catch (FileAlreadyExistsException taken) {
                // another body's name: draw again
            }
        }
    }

    /** Owner-only, as {@link Files#createTempFile} makes them, where the file system has POSIX permissions. */
    private static FileAttribute<?>[] ownerOnly(Path dir) {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))}
                : new FileAttribute<?>[0];
    }

    /** Takes {@code bytes} of the budget, or nothing when they do not fit. */
    boolean reserve(long bytes) {
        while (true) {
            long now = used.get();
            if (now + bytes > maxBytes) {
                full.increment();
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    /**
     * The spool's file system refused a body's file or a write to it before the spool's budget was spent: full (other
     * files took the space), read-only (remounted so after disk errors), an I/O error, or no file descriptor left.
     * That body goes on through its window, counted as finding the spool full; warned at most once a minute, with
     * the system's own words, so the operator sees why.
     */
    void writeFailed(IOException e) {
        full.increment();
        long now = System.nanoTime();
        long last = lastFailureWarning.get();
        if ((last == 0 || now - last >= WARNING_INTERVAL_NANOS) && lastFailureWarning.compareAndSet(last, now)) {
            String why = DeviceFull.is(e) ? "its file system is full" : "its file system refused a write";
            LOG.log(Level.WARNING, "spool.dir " + dir + ": " + why + " (" + e.getMessage() + ") with "
                    + used.get() + " of spool.maxBytes (" + maxBytes + ") in use; bodies go through their memory"
                    + " window at their slowest reader's pace until it takes writes again");
        }
    }

    /** Bytes spooled now, over all bodies. */
    public long usedBytes() {
        return used.get();
    }

    /** Times a body found the spool full and went on through its memory window. */
    public long fullCount() {
        return full.sum();
    }

    public Path dir() {
        return dir;
    }
}
