package dev.outpost.edge.cache;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * What makes a {@link DiskDirectory}'s purges durable: the directories their unlinks touched and the files whose
 * soft-purge byte they set are flushed to the device before the purge returns (whatever {@code cache.disk.fsync}
 * says: the applied sequence recorded after a purge must not run ahead of it), or, inside a batch
 * ({@link #flushingOnce}), once each when the batch ends, issued together.
 */
final class DiskFlushes {
    private static final Logger LOG = System.getLogger(DiskDirectory.class.getName());
    /** Flushes a batch issues at once (see {@link #flushTogether}). */
    private static final int FLUSH_THREADS = 16;

    /**
     * The flushes the purges of a batch ({@link #flushingOnce}) owe, on the thread running it: each directory and
     * soft-purged file is flushed once, when the batch ends, instead of once per purge.
     */
    private final ThreadLocal<Owed> owed = new ThreadLocal<>();
    private final LongAdder directoryFlushes = new LongAdder();

    /** Directories and files written by a batch's purges and not flushed yet. */
    private record Owed(Set<Path> directories, Set<Path> files) {
    }

    /**
     * Sets the soft-purge flag in the file, flushed (at once, or when the batch running on this thread ends): the
     * applied sequence recorded after the purge must not run ahead of it, or a power loss could bring the object
     * back fresh.
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
     * Flushes the entries of these directories (a purge's unlinks) to the device, at once or when the batch running
     * on this thread ends.
     */
    void sync(Collection<Path> directories) {
        Owed batch = owed.get();
        if (batch != null) {
            batch.directories().addAll(directories); // flushed once, when the batch ends
            return;
        }
        flushDirectories(directories);
    }

    /** Directories flushed for purges since open (each batch flushes a directory once). */
    long directoryFlushes() {
        return directoryFlushes.sum();
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

    /** Flushes a directory's entries (renames, unlinks) to the device. */
    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
