package dev.outpost.control;

import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.config.RenamedKeys;
import java.time.Duration;

/**
 * Bounds of the invalidation log ({@code log} in the control-plane config): how big one entry, one catch-up page
 * and one listing may be, how long history is kept, and how long a push stays worth carrying out. Absent keys take
 * the defaults; each bound fails start-up when out of range, naming its key.
 *
 * @param maxEntryBytes      largest purge or push, as the JSON of its urls, prefixes, tags and hosts; a bigger one
 *                           is refused with 413 {@code entry_too_large}; default 256 KiB, at most 16 MiB
 * @param catchUpPageBytes   largest catch-up page handed to an edge in one heartbeat reply (at least one entry is
 *                           always handed over, so it must be at least {@code maxEntryBytes}); default 1 MiB
 * @param maxListingBytes    largest {@code GET /api/v1/purges} (or pushes) answer; a longer listing is cut and says
 *                           where to go on; default 4 MiB
 * @param retention          entries older than this are compacted (deleted with their delivery states); default
 *                           7 days
 * @param retentionEntries   at most this many entries are kept; older ones are compacted; default 100000
 * @param pushExpiry         a push is a hint: an edge that did not get it within this time never gets it (it is
 *                           not replayed by catch-up or retries, and counts as expired); default 10 min
 */
@RenamedKeys({"retentionMillis -> retention (a duration such as 7d)",
        "pushExpiryMillis -> pushExpiry (a duration such as 10m)"})
public record LogSettings(Long maxEntryBytes, Long catchUpPageBytes, Long maxListingBytes, Duration retention,
        Long retentionEntries, Duration pushExpiry) {
    public static final LogSettings DEFAULTS = new LogSettings(null, null, null, null, null, null);

    public LogSettings {
        maxEntryBytes = ConfigValues.between("log.maxEntryBytes", maxEntryBytes, 256L * 1024, 1L, 16L * 1024 * 1024);
        catchUpPageBytes = ConfigValues.atLeast("log.catchUpPageBytes", catchUpPageBytes, 1024L * 1024, 1);
        maxListingBytes = ConfigValues.atLeast("log.maxListingBytes", maxListingBytes, 4L * 1024 * 1024, 1);
        retention = ConfigValues.positive("log.retention", retention, Duration.ofDays(7));
        retentionEntries = ConfigValues.atLeast("log.retentionEntries", retentionEntries, 100_000L, 1);
        pushExpiry = ConfigValues.positive("log.pushExpiry", pushExpiry, Duration.ofMinutes(10));
        if (catchUpPageBytes < maxEntryBytes) {
            throw new IllegalArgumentException("log.catchUpPageBytes (" + catchUpPageBytes + ") must be at least "
                    + "log.maxEntryBytes (" + maxEntryBytes + "): a page always carries one whole entry");
        }
        if (maxListingBytes < maxEntryBytes) {
            throw new IllegalArgumentException("log.maxListingBytes (" + maxListingBytes + ") must be at least "
                    + "log.maxEntryBytes (" + maxEntryBytes + "): a listing always shows one whole entry");
        }
    }
}
