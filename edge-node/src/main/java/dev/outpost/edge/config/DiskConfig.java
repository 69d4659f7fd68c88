package dev.outpost.edge.config;

import dev.outpost.common.config.ConfigValues;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The disk tier under the memory store (the {@code cache.disk} section; docs/caching-tiers.md). Off unless
 * {@code dir} is set.
 *
 * @param dir            where objects, and the applied invalidation sequence that says how far they can be trusted,
 *                       are kept (created if missing); absent: no disk tier
 * @param maxBytes       bytes the object files may take together; default 10 GiB
 * @param maxObjectBytes larger objects are kept in memory only; default 16 MiB (at most {@code maxBytes})
 * @param fsync          flush each object file (and its directory entry) to the device before it becomes visible;
 *                       default false: a killed process never exposes a partial body either way (the rename is
 *                       atomic), and after a crash of the machine a file whose blocks never reached the device fails
 *                       its size or body-checksum check and is dropped. True costs one device flush per object
 *                       written, which a busy edge's writer may not keep up with. Purges and the applied sequence
 *                       are always flushed
 * @param maxQueuedBytes bytes of bodies waiting for the disk writer (held in memory, and answered from there, until
 *                       written); past it new writes are declined and counted as rejections. Default 64 MiB
 * @param readOnIoThread where a disk hit reads its file: {@code auto} (default) on the IO thread when {@code dir} is
 *                       on tmpfs or ramfs, where a read is a copy from memory that never waits for a device, else on
 *                       a worker thread; {@code always} on the IO thread (a read that waits for the device stalls
 *                       every connection of that IO thread meanwhile); {@code never} always on a worker thread
 * @param minFreeBytes   bytes the tier leaves free on its file system, which it shares with logs, the spool and the
 *                       applied sequence: while less is free the tier holds less than {@code maxBytes} (evicting
 *                       by its usual order) and grows back as space is freed. Absent: 5 % of the file system's
 *                       size, at most 1 GiB; {@code 0}: only what a full device forces
 */
public record DiskConfig(String dir, Long maxBytes, Long maxObjectBytes, Boolean fsync, Long maxQueuedBytes,
        String readOnIoThread, Long minFreeBytes) {
    /** The values of {@code cache.disk.readOnIoThread} (before {@link #OFF}, which the constructor checks with it). */
    public static final List<String> READ_ON_IO_THREAD = List.of("auto", "always", "never");
    public static final DiskConfig OFF = new DiskConfig(null, null, null, null, null, null, null);

    public DiskConfig {
        if (dir != null && dir.isBlank()) {
            throw new IllegalArgumentException("cache.disk.dir must not be blank");
        }
        maxBytes = ConfigValues.atLeast("cache.disk.maxBytes", maxBytes, 10L * 1024 * 1024 * 1024, 1);
        maxObjectBytes = ConfigValues.atLeast("cache.disk.maxObjectBytes", maxObjectBytes,
                Math.min(16L * 1024 * 1024, maxBytes), 1);
        if (maxObjectBytes > maxBytes) {
            throw new IllegalArgumentException("cache.disk.maxObjectBytes (" + maxObjectBytes
                    + ") must not exceed cache.disk.maxBytes (" + maxBytes + ")");
        }
        fsync = ConfigValues.or(fsync, false);
        maxQueuedBytes = ConfigValues.atLeast("cache.disk.maxQueuedBytes", maxQueuedBytes, 64L * 1024 * 1024, 1);
        readOnIoThread = ConfigValues.or(readOnIoThread, "auto");
        if (!READ_ON_IO_THREAD.contains(readOnIoThread)) {
            throw new IllegalArgumentException("cache.disk.readOnIoThread must be one of " + READ_ON_IO_THREAD
                    + ", not '" + readOnIoThread + "'");
        }
        if (minFreeBytes != null && minFreeBytes < 0) {
            throw new IllegalArgumentException("cache.disk.minFreeBytes must be >= 0, was " + minFreeBytes);
        }
    }

    /** Without {@code minFreeBytes} (its default, from the file system's size). */
    public DiskConfig(String dir, Long maxBytes, Long maxObjectBytes, Boolean fsync, Long maxQueuedBytes,
            String readOnIoThread) {
        this(dir, maxBytes, maxObjectBytes, fsync, maxQueuedBytes, readOnIoThread, null);
    }

    /** Without {@code maxQueuedBytes} and {@code readOnIoThread} (their defaults), as older callers build it. */
    public DiskConfig(String dir, Long maxBytes, Long maxObjectBytes, Boolean fsync) {
        this(dir, maxBytes, maxObjectBytes, fsync, null, null, null);
    }

    /** Without {@code readOnIoThread} (its default). */
    public DiskConfig(String dir, Long maxBytes, Long maxObjectBytes, Boolean fsync, Long maxQueuedBytes) {
        this(dir, maxBytes, maxObjectBytes, fsync, maxQueuedBytes, null, null);
    }

    /** A disk tier in {@code dir} of {@code maxBytes}, other settings as they were. */
    public DiskConfig at(Path newDir, long newMaxBytes) {
        return new DiskConfig(newDir.toString(), newMaxBytes, Math.min(maxObjectBytes, newMaxBytes), fsync,
                maxQueuedBytes, readOnIoThread, minFreeBytes);
    }

    /** The directory, when the tier is on. */
    public Optional<Path> directory() {
        return Optional.ofNullable(dir).map(Path::of);
    }
}
