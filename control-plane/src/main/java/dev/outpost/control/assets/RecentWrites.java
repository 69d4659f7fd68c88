package dev.outpost.control.assets;

import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.control.invalidation.LoggedEntry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Makes a write-through upload and the origin's change notice for that very write purge once, not twice: a second
 * purge after the write-through's push would throw the preloaded copy away, and every region's first request would
 * be a miss.
 *
 * <p>The origin announces a change as soon as its file is in place, before it answers the upload, so the notice
 * can arrive at any point of the write-through. Both sides therefore meet in one per-path state, under its lock:
 * <ul>
 * <li>the upload registers itself before it writes ({@link #begin});
 * <li>a notice that arrives while an upload of the path is in flight purges at once and leaves that purge for the
 * upload; the upload, once the origin answered with the same ETag, takes it as its own purge instead of making
 * another ({@link Write#purge});
 * <li>a notice that arrives after the upload purged, for the same ETag and within {@code ttl}, is answered with
 * the upload's purge and purges nothing ({@link #notice}).
 * </ul>
 * Any notice for a path consumes what was remembered for it, so a later or different change always purges. At most
 * {@code max} paths are remembered (oldest dropped first, never one with an upload in flight).
 */
public final class RecentWrites {
    /** A purge made for one ETag of a path, and when. */
    private record Purged(String etag, LoggedEntry purge, Instant at) {
    }

    /** One path's state; guarded by its own monitor. */
    private static final class PathState {
        int uploading;
        Optional<Purged> byNotice = Optional.empty();
        Optional<Purged> byUpload = Optional.empty();
    }

    private final Clock clock;
    private final Duration ttl;
    private final int max;
    private final Map<String, PathState> paths = new LinkedHashMap<>(); // guarded by this

    public RecentWrites(Clock clock, Duration ttl, int max) {
        this.clock = clock;
        this.ttl = ttl;
        this.max = max;
    }

    /** An upload of one path in flight; close it when the upload is done (or failed). */
    public final class Write implements AutoCloseable {
        private final String key;
        private final PathState state;

        private Write(String key, PathState state) {
            this.key = key;
            this.state = state;
        }

        /**
         * The purge for what the origin stored ({@code etag}): the one a notice for exactly this change already
         * made while the upload was in flight, or else a new one from {@code submit}, remembered for the notice
         * still to come.
         */
        public LoggedEntry purge(String etag, Supplier<LoggedEntry> submit) {
            synchronized (state) {
                Optional<Purged> noticed = state.byNotice.filter(p -> p.etag().equals(etag) && fresh(p));
                state.byNotice = Optional.empty();
                if (noticed.isPresent()) {
                    return noticed.get().purge();
                }
                LoggedEntry purge = submit.get();
                state.byUpload = Optional.of(new Purged(etag, purge, clock.instant()));
                return purge;
            }
        }

        @Override
        public void close() {
            synchronized (RecentWrites.this) {
                synchronized (state) {
                    state.uploading--;
                    if (state.uploading == 0 && state.byUpload.isEmpty()) {
                        paths.remove(key, state);
                    }
                }
            }
        }
    }

    /** Registers an upload of {@code path} (decoded, as the origin's notices name it) before it is written. */
    public synchronized Write begin(String origin, String path) {
        String key = origin + " " + path;
        PathState state = paths.computeIfAbsent(key, k -> new PathState());
        synchronized (state) {
            state.uploading++;
        }
        trim();
        return new Write(key, state);
    }

    /**
     * Answers a change notice: with the purge an upload already made for exactly this change, else with a new
     * purge from {@code submit} (left for an upload of the path in flight, which then makes none of its own).
     */
    public LoggedEntry notice(String origin, ChangeNotice notice, Supplier<LoggedEntry> submit) {
        PathState state;
        synchronized (this) {
            state = paths.get(origin + " " + notice.path());
        }
        if (state == null) {
            return submit.get();
        }
        synchronized (state) {
            Optional<Purged> uploaded = state.byUpload.filter(p -> notice.event() == ChangeNotice.Event.CHANGED
                    && notice.etag().equals(Optional.of(p.etag())) && fresh(p));
            state.byUpload = Optional.empty();
            if (uploaded.isPresent()) {
                return uploaded.get().purge();
            }
            LoggedEntry purge = submit.get();
            if (state.uploading > 0 && notice.event() == ChangeNotice.Event.CHANGED && notice.etag().isPresent()) {
                state.byNotice = Optional.of(new Purged(notice.etag().get(), purge, clock.instant()));
            }
            return purge;
        }
    }

    private boolean fresh(Purged purged) {
        return !clock.instant().isAfter(purged.at().plus(ttl));
    }

    /** Drops the oldest remembered paths beyond {@code max}, never one with an upload in flight. */
    private void trim() {
        Iterator<PathState> it = paths.values().iterator();
        int excess = paths.size() - max;
        while (excess > 0 && it.hasNext()) {
            PathState state = it.next();
            synchronized (state) {
                if (state.uploading == 0) {
                    it.remove();
                    excess--;
                }
            }
        }
    }
}
