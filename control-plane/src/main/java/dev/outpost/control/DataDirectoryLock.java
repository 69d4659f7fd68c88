package dev.outpost.control;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on the control plane's data directory ({@code control-plane.lock}, an OS file lock held while
 * the control plane runs): a second control plane started on the same directory would keep its own idea of the log
 * and the registry next to the first (split brain), so it refuses to start, naming the directory and the process
 * that holds it. The lock dies with the process (kill -9 included), so a crash never leaves a stale lock behind;
 * the pid written into the file is only there for the message.
 */
final class DataDirectoryLock implements AutoCloseable {
    static final String FILE = "control-plane.lock";
    /**
     * Directories locked by this JVM. Checked before the file is opened at all: closing any channel of a locked
     * file releases the process's lock on it (POSIX locks are per process), so a refused second control plane in
     * the same JVM must not even open it.
     */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The lock file (its real path: the key of {@link #HELD}). */
    private final Path held;

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(Path held, FileChannel channel, FileLock lock) {
        this.held = held;
        this.channel = channel;
        this.lock = lock;
    }

    static DataDirectoryLock acquire(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            dataDir = dataDir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + dataDir + ": " + e.getMessage(), e);
        }
        String refusal = "another control plane is already running on the data directory " + dataDir;
        return acquire(dataDir.resolve(FILE), refusal + "; two control planes on one store would disagree about the "
                + "log. Stop the other one, or give this one its own data directory");
    }

    /**
     * A lock next to an SQLite store ({@code <file>.lock}): SQLite serves one control plane (several share a
     * PostgreSQL database instead, docs/high-availability.md); a second one on the same file, even from another data
     * directory, would number and deliver entries on its own and the two would corrupt each other's state, so it
     * refuses to start.
     */
    static DataDirectoryLock acquireSqlite(Path sqliteFile) {
        Path file = sqliteFile.toAbsolutePath().resolveSibling(sqliteFile.getFileName() + ".lock");
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
        }
        return acquire(file, "another control plane is already running on the SQLite store " + sqliteFile
                .toAbsolutePath() + "; an SQLite store serves one control plane only. Stop the other one, or run "
                + "several on one PostgreSQL database (store.engine: postgresql, docs/high-availability.md)");
    }

    private static DataDirectoryLock acquire(Path file, String refusal) {
        Path key = file.toAbsolutePath().normalize();
        if (!HELD.add(key)) {
            throw new IllegalStateException(refusal + " (in this process)");
        }
        try {
            return lock(key, refusal);
        } catch (RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
    }

    private static DataDirectoryLock lock(Path file, String refusal) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + " to lock the data directory: " + e.getMessage(),
                    e);
        }
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by another control plane in this very JVM
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
                throw new IllegalStateException(refusal + " (" + (holder.isEmpty() ? "lock held" : holder)
                        + " holds " + file + ")");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)),
                    0);
            channel.force(false);
            return new DataDirectoryLock(file, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing with a better message
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
            HELD.remove(held);
        }
    }
}
