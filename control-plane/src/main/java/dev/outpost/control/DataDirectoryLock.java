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

    private final Path dataDir;

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(Path dataDir, FileChannel channel, FileLock lock) {
        this.dataDir = dataDir;
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
        if (!HELD.add(dataDir)) {
            throw new IllegalStateException("another control plane is already running on the data directory "
                    + dataDir + " (in this process); two control planes on one store would disagree about the log");
        }
        try {
            return lock(dataDir);
        } catch (RuntimeException e) {
            HELD.remove(dataDir);
            throw e;
        }
    }

    private static DataDirectoryLock lock(Path dataDir) {
        Path file = dataDir.resolve(FILE);
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
                throw new IllegalStateException("another control plane is already running on the data directory "
                        + dataDir.toAbsolutePath() + " (" + (holder.isEmpty() ? "lock held" : holder) + " holds "
                        + FILE + "); two control planes on one store would disagree about the log. Stop the other "
                        + "one, or give this one its own data directory");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)),
                    0);
            channel.force(false);
            return new DataDirectoryLock(dataDir, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock the data directory " + dataDir + ": " + e.getMessage(), e);
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
            HELD.remove(dataDir);
        }
    }
}
