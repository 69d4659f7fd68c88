package dev.outpost.edge.cache;

import dev.outpost.common.problem.DeviceFull;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * How many bytes of object files the disk tier may hold now: {@code cache.disk.maxBytes}, or less when the file
 * system it shares with logs, the spool and everything else runs short, so that {@code cache.disk.minFreeBytes}
 * stay free (as nginx's {@code min_free}). Without this a tier whose {@code maxBytes} the file system cannot hold
 * fills the device, after which every write fails and nothing is ever evicted: the index believes it has room, so
 * the tier freezes with whatever it held while the edge's other files (the applied sequence a restart trusts among
 * them) get no space either.
 *
 * <p>The bound is {@code held + usable - minFree}, capped by {@code maxBytes}: what the tier holds plus what it may
 * still take. Asked before each write (one {@code statvfs}, on the writer thread), it shrinks as other files grow
 * (the index then evicts by its own W-TinyLFU order) and grows back, up to {@code maxBytes}, as space is freed.
 * Writing one object may use that object's size of the margin until the index evicts for it. The tier counts file
 * bytes and the file system whole blocks, so on a file system full of small files the margin is what absorbs the
 * difference; a write that still finds the device full shrinks the bound by what it needed ({@link #afterFull}).
 */
final class DiskSpace {
    private static final Logger LOG = System.getLogger(DiskTier.class.getName());
    /** Upper end of the default {@code minFreeBytes}. */
    static final long DEFAULT_MIN_FREE_CAP = 1L << 30;
    /** The default {@code minFreeBytes}, in percent of the file system's size (at most 1 GiB). */
    static final int DEFAULT_MIN_FREE_PERCENT = 5;

    private final String where;
    private final long maxBytes;
    private final long minFreeBytes;
    private final LongSupplier usableBytes;
    /** Whether the bound is below {@code maxBytes} for want of space (logged when it starts and ends); writer only. */
    private boolean cutShort;

    DiskSpace(String where, long maxBytes, long minFreeBytes, LongSupplier usableBytes) {
        if (maxBytes < 1 || minFreeBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 1 and minFreeBytes >= 0, were " + maxBytes
                    + " and " + minFreeBytes);
        }
        this.where = where;
        this.maxBytes = maxBytes;
        this.minFreeBytes = minFreeBytes;
        this.usableBytes = usableBytes;
    }

    /**
     * The file system holding {@code dir}; {@code minFreeBytes} {@code null} takes the default, 5 % of the file
     * system's size and at most 1 GiB.
     */
    static DiskSpace of(Path dir, long maxBytes, Long minFreeBytes) throws IOException {
        FileStore store = Files.getFileStore(dir);
        long minFree = minFreeBytes != null ? minFreeBytes
                : Math.min(DEFAULT_MIN_FREE_CAP, store.getTotalSpace() / 100 * DEFAULT_MIN_FREE_PERCENT);
        return new DiskSpace(dir.toString(), maxBytes, minFree, () -> {
            try {
                return store.getUsableSpace();
            } catch (IOException e) {
                return Long.MAX_VALUE; // cannot tell: the configured bound, and a full device still shrinks it
            }
        });
    }

    /** The most the tier may hold while it holds {@code heldBytes}; logs when it starts and stops being cut short. */
    long bound(long heldBytes) {
        long usable = usableBytes.getAsLong();
        long spare = usable - minFreeBytes; // what it may still take; no overflow: both are >= 0
        long bound = spare >= maxBytes ? maxBytes : Math.min(maxBytes, Math.max(0, heldBytes + spare));
        boolean nowShort = bound < maxBytes;
        if (nowShort != cutShort) {
            cutShort = nowShort;
            if (nowShort) {
                LOG.log(Level.WARNING, "disk tier in " + where + ": its file system has " + usable
                        + " bytes free; keeping cache.disk.minFreeBytes (" + minFreeBytes + ") free, the tier holds at"
                        + " most " + bound + " bytes instead of cache.disk.maxBytes (" + maxBytes + ") until space"
                        + " is freed");
            } else {
                LOG.log(Level.INFO, "disk tier in " + where + ": its file system has room again for"
                        + " cache.disk.maxBytes (" + maxBytes + ")");
            }
        }
        return bound;
    }

    /**
     * The bound after a write of {@code neededBytes} found the device full although {@link #bound} allowed it
     * (other files grew meanwhile, or blocks hold more than file bytes): enough less than {@code heldBytes} to make
     * that write's room.
     */
    long afterFull(long heldBytes, long neededBytes) {
        if (!cutShort) {
            cutShort = true;
            LOG.log(Level.WARNING, "disk tier in " + where + ": its file system is full; the tier gives up space"
                    + " for each write until it has room again");
        }
        return Math.max(0, heldBytes - neededBytes);
    }

    /** Whether {@code e}, from a write that needed {@code neededBytes}, says the device is full. */
    boolean isFull(IOException e, long neededBytes) {
        return DeviceFull.is(e) || usableBytes.getAsLong() < neededBytes;
    }

    long minFreeBytes() {
        return minFreeBytes;
    }
}
