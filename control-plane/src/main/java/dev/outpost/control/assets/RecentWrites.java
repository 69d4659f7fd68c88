package dev.outpost.control.assets;

import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.control.invalidation.LoggedEntry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Write-through uploads already purged and preloaded their path; the origin's change notice for that very write
 * (same path, same ETag, arriving shortly after) must not purge again, or it would throw the preloaded copy away.
 * Any notice for a path consumes what was remembered for it, so a later or different change always purges; entries
 * expire after {@code ttl} and at most {@code max} are kept.
 */
public final class RecentWrites {
    private record Write(String etag, LoggedEntry purge, Instant at) {
    }

    private final Clock clock;
    private final Duration ttl;
    private final int max;
    private final Map<String, Write> writes = new LinkedHashMap<>();

    public RecentWrites(Clock clock, Duration ttl, int max) {
        this.clock = clock;
        this.ttl = ttl;
        this.max = max;
    }

    public synchronized void wrote(String origin, String path, String etag, LoggedEntry purge) {
        writes.remove(origin + " " + path);
        writes.put(origin + " " + path, new Write(etag, purge, clock.instant()));
        while (writes.size() > max) {
            writes.remove(writes.keySet().iterator().next());
        }
    }

    /** The purge a write-through already made for exactly this change, if this notice announces it. */
    public synchronized Optional<LoggedEntry> alreadyPurged(String origin, ChangeNotice notice) {
        Write write = writes.remove(origin + " " + notice.path());
        if (write == null || notice.event() != ChangeNotice.Event.CHANGED
                || !notice.etag().equals(Optional.of(write.etag()))
                || clock.instant().isAfter(write.at().plus(ttl))) {
            return Optional.empty();
        }
        return Optional.of(write.purge());
    }
}
