package dev.outpost.control;

/**
 * Bounds of the invalidation log ({@code log} in the control-plane config): how big one entry, one catch-up page
 * and one listing may be, how long history is kept, and how long a push stays worth carrying out. Absent keys
 * (0) take the defaults; each bound fails start-up when out of range, naming its key.
 *
 * @param maxEntryBytes      largest purge or push, as the JSON of its urls, prefixes, tags and hosts; a bigger one
 *                           is refused with 413 {@code entry_too_large}
 * @param catchUpPageBytes   largest catch-up page handed to an edge in one heartbeat reply (at least one entry is
 *                           always handed over, so it must be at least {@code maxEntryBytes})
 * @param maxListingBytes    largest {@code GET /api/v1/purges} (or pushes) answer; a longer listing is cut and says
 *                           where to go on
 * @param retentionMillis    entries older than this are compacted (deleted with their delivery states)
 * @param retentionEntries   at most this many entries are kept; older ones are compacted
 * @param pushExpiryMillis   a push is a hint: an edge that did not get it within this time never gets it (it is
 *                           not replayed by catch-up or retries, and counts as expired)
 */
public record LogSettings(long maxEntryBytes, long catchUpPageBytes, long maxListingBytes, long retentionMillis,
        long retentionEntries, long pushExpiryMillis) {
    public static final LogSettings DEFAULTS = new LogSettings(0, 0, 0, 0, 0, 0);

    public LogSettings {
        maxEntryBytes = orDefault(maxEntryBytes, 256 * 1024);
        catchUpPageBytes = orDefault(catchUpPageBytes, 1024 * 1024);
        maxListingBytes = orDefault(maxListingBytes, 4 * 1024 * 1024);
        retentionMillis = orDefault(retentionMillis, 7L * 24 * 3600 * 1000);
        retentionEntries = orDefault(retentionEntries, 100_000);
        pushExpiryMillis = orDefault(pushExpiryMillis, 10 * 60 * 1000);
        positive("log.maxEntryBytes", maxEntryBytes);
        positive("log.catchUpPageBytes", catchUpPageBytes);
        positive("log.maxListingBytes", maxListingBytes);
        positive("log.retentionMillis", retentionMillis);
        positive("log.retentionEntries", retentionEntries);
        positive("log.pushExpiryMillis", pushExpiryMillis);
        if (maxEntryBytes > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("log.maxEntryBytes must be at most 16 MiB (16777216), was "
                    + maxEntryBytes);
        }
        if (catchUpPageBytes < maxEntryBytes) {
            throw new IllegalArgumentException("log.catchUpPageBytes (" + catchUpPageBytes + ") must be at least "
                    + "log.maxEntryBytes (" + maxEntryBytes + "): a page always carries one whole entry");
        }
        if (maxListingBytes < maxEntryBytes) {
            throw new IllegalArgumentException("log.maxListingBytes (" + maxListingBytes + ") must be at least "
                    + "log.maxEntryBytes (" + maxEntryBytes + "): a listing always shows one whole entry");
        }
    }

    private static long orDefault(long value, long fallback) {
        return value == 0 ? fallback : value;
    }

    private static void positive(String key, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(key + " must be > 0, was " + value);
        }
    }
}
