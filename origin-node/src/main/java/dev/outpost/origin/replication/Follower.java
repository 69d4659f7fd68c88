package dev.outpost.origin.replication;

import dev.outpost.common.http.DigestFields;
import dev.outpost.common.problem.Problem;
import dev.outpost.origin.assets.AssetInfo;
import dev.outpost.origin.assets.AssetListing;
import dev.outpost.origin.assets.AssetWriter;
import dev.outpost.origin.assets.Backoff;
import dev.outpost.origin.assets.DigestCheck;
import dev.outpost.origin.content.AssetPath;
import dev.outpost.origin.content.MasterFile;
import dev.outpost.origin.content.MasterStore;
import dev.outpost.origin.content.RequestPaths;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * A replica's copy loop, on one background thread: asks its primary for the changes after its applied position (a
 * long poll), applies them in order, records each in its own log (which is its position), and copies everything
 * again from the primary's listing when it cannot go on from its position.
 *
 * <p><b>Design note.</b> An entry names a path and the digest of the version the primary wrote. Applying it makes
 * the replica's copy that version, but only if the primary still holds it: the body is fetched from the primary's
 * content port with {@code If-Match} on that version's ETag and written like an upload (temp file, SHA-256 checked
 * against the entry's digest, fsync, atomic rename; AssetWriter), so a body that does not match its digest never
 * replaces anything. If the primary answers 412 or 404, it has moved on: a later entry for that path follows (it
 * was changed again or deleted), or the entry's change never happened (the primary crashed between recording it
 * and renaming), and in both cases leaving the path as it is is right. A deletion is applied only when the primary
 * no longer serves the path, for the same reasons. Every entry is idempotent (a file that already has the digest is
 * not fetched again), so an entry applied before a crash but not yet recorded is simply applied again.
 *
 * <p>The primary says when the position cannot be continued ({@code resync_needed}: another log, older than its
 * history, or past an epoch boundary after a promotion); the follower then reads the primary's head, copies every
 * listed asset whose digest differs (deleting first what the primary does not list, so a file never stands where
 * the primary has a directory), and restarts its log at that head: changes made during the copy are replayed
 * after it, harmlessly. A primary older than this replica in epochs ({@code stale_primary}) is never copied from.
 */
public final class Follower implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Follower.class.getName());
    private static final int BATCH = 200;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    /** What the loop is doing. */
    public enum State { STARTING, STREAMING, RESYNCING, UNREACHABLE, REFUSED, STOPPED }

    private final PrimaryClient primary;
    private final String name;
    private final ChangeLog log;
    private final MasterStore store;
    private final AssetWriter writer;
    private final Clock clock;
    private final Duration pollWait;
    private final Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10));
    private final RandomGenerator jitter = RandomGenerator.getDefault();
    private final Thread thread;

    private volatile boolean closed;
    private volatile State state = State.STARTING;
    private volatile Optional<String> problem = Optional.empty();
    private volatile long primaryHead;
    private volatile Optional<Instant> lastContact = Optional.empty();
    /** The primary's time of the oldest change known and not applied yet; empty when caught up. */
    private volatile Optional<Instant> pendingSince = Optional.empty();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong resyncs = new AtomicLong();
    private final AtomicLong mismatches = new AtomicLong();

    Follower(PrimaryClient primary, String name, ChangeLog log, MasterStore store, AssetWriter writer, Clock clock,
            Duration pollWait) {
        this.primary = primary;
        this.name = name;
        this.log = log;
        this.store = store;
        this.writer = writer;
        this.clock = clock;
        this.pollWait = pollWait;
        this.primaryHead = log.position().head();
        this.thread = Thread.ofPlatform().name("outpost-replica-follower").daemon(true).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** The replica's view of its primary, for status, health and metrics. */
    public ReplicationStatus.Following status() {
        long position = log.position().head();
        long lag = Math.max(0, primaryHead - position);
        Instant now = clock.instant();
        double lagSeconds;
        if (state == State.UNREACHABLE || state == State.REFUSED) {
            lagSeconds = lastContact.map(at -> seconds(at, now)).orElse(0.0);
        } else {
            lagSeconds = lag == 0 ? 0 : pendingSince.map(at -> seconds(at, now)).orElse(0.0);
        }
        return new ReplicationStatus.Following(primary.uri().toString(), state.name().toLowerCase(Locale.ROOT),
                problem, log.synced(), primaryHead, lag, lagSeconds, lastContact, applied.get(), resyncs.get(),
                mismatches.get());
    }

    private static double seconds(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toMillis() / 1000.0);
    }

    private void run() {
        int failures = 0;
        while (!closed) {
            Optional<String> failure;
            try {
                failure = step();
            } catch (DigestMismatch e) {
                mismatches.incrementAndGet(); // logged as the first failure of a run, counted every time
                failure = Optional.of(e.getMessage());
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    break;
                }
                state = State.UNREACHABLE;
                failure = Optional.of(e.getMessage() == null ? e.toString() : e.getMessage());
            }
            if (failure.isEmpty()) {
                failures = 0;
                problem = Optional.empty();
                continue;
            }
            if (failures++ == 0) {
                LOG.log(Level.WARNING, "replica " + name + " cannot copy from " + primary.uri() + ": "
                        + failure.get() + "; retrying with backoff");
            }
            problem = failure;
            try {
                Thread.sleep(backoff.delayBefore(failures, jitter));
            } catch (InterruptedException e) {
                break;
            }
        }
        state = State.STOPPED;
    }

    /** One request for changes and what follows from its answer; a problem when it did not go on. */
    private Optional<String> step() throws IOException {
        ChangeLog.Position mine = log.position();
        PrimaryClient.Answer answer = primary.changes(mine, name, pollWait, BATCH);
        lastContact = Optional.of(clock.instant());
        switch (answer) {
            case PrimaryClient.Answer.Changes changes -> {
                apply(changes.batch());
                return Optional.empty();
            }
            case PrimaryClient.Answer.Refused refused when refused.error().equals("resync_needed") -> {
                resync(refused.message());
                return Optional.empty();
            }
            case PrimaryClient.Answer.Refused refused when refused.error().equals("stale_primary") -> {
                state = State.REFUSED;
                return Optional.of("not copying from " + primary.uri() + ": " + refused.message());
            }
            case PrimaryClient.Answer.Refused refused -> {
                state = refused.status() == 401 || refused.status() == 403 || refused.status() == 409
                        ? State.REFUSED : State.UNREACHABLE;
                return Optional.of("the primary answered HTTP " + refused.status() + " " + refused.error() + ": "
                        + refused.message());
            }
        }
    }

    private void apply(ChangeBatch batch) throws IOException {
        state = State.STREAMING;
        primaryHead = batch.head();
        log.learnEpochs(batch.epochMap());
        log.markSynced();
        List<ChangeEntry> entries = batch.entries();
        pendingSince = entries.isEmpty() ? Optional.empty() : Optional.of(entries.getFirst().at());
        for (int i = 0; i < entries.size() && !closed; i++) {
            ChangeEntry entry = entries.get(i);
            apply(entry);
            log.append(entry);
            applied.incrementAndGet();
            pendingSince = i + 1 < entries.size() ? Optional.of(entries.get(i + 1).at())
                    : entry.sequence() < batch.head() ? Optional.of(entry.at()) : Optional.empty();
        }
    }

    /** Brings the local copy of the entry's path to the entry's version, unless the primary has moved on. */
    private void apply(ChangeEntry entry) throws IOException {
        AssetPath path;
        try {
            path = RequestPaths.confineDecoded(entry.path());
        } catch (Problem e) {
            LOG.log(Level.ERROR, "replica " + name + ": change " + entry.sequence() + " names a path no origin "
                    + "serves (" + e.getMessage() + "); skipped");
            return;
        }
        switch (entry.event()) {
            case CHANGED -> copy(path, entry.digest().orElseThrow());
            case DELETED -> remove(path);
        }
    }

    /** What {@link #copy} did. */
    private enum Copy { ALREADY_HERE, COPIED, PRIMARY_MOVED_ON }

    /** Makes {@code path} the version with {@code digest}, fetched by that digest, if the primary still has it. */
    private Copy copy(AssetPath path, String digest) throws IOException {
        byte[] sha256 = DigestFields.parse(digest).get(DigestFields.Algorithm.SHA_256);
        Optional<MasterFile> local = store.find(path);
        if (local.isPresent() && Arrays.equals(local.get().sha256(), sha256)) {
            return Copy.ALREADY_HERE;
        }
        boolean fetched = primary.fetch(path, MasterFile.etagOf(sha256), (body, length) -> {
            try {
                writer.write(path, length, body, DigestCheck.of(Optional.of(digest), Optional.empty()));
            } catch (Problem e) {
                if (e.code().equals("digest_mismatch")) {
                    throw new DigestMismatch("the copy of " + path + " from " + primary.uri() + " does not match "
                            + "its digest " + digest + " (" + e.getMessage() + ")");
                }
                if (e.code().equals("incomplete_body")) {
                    throw new IOException("the copy of " + path + " was cut off: " + e.getMessage());
                }
                throw new IOException("the copy of " + path + " cannot be written here: " + e.getMessage());
            }
        });
        return fetched ? Copy.COPIED : Copy.PRIMARY_MOVED_ON;
    }

    /** Deletes {@code path} unless the primary serves it (again). */
    private void remove(AssetPath path) throws IOException {
        if (store.find(path).isEmpty() || primary.holds(path)) {
            return;
        }
        try {
            writer.delete(path);
        } catch (Problem e) {
            if (e.kind() != Problem.Kind.NOT_FOUND) {
                throw new IOException("deleting " + path + " failed here: " + e.getMessage());
            }
        }
    }

    /** Copies everything again from the primary's listing, then continues from the head read before it. */
    private void resync(String reason) throws IOException {
        state = State.RESYNCING;
        resyncs.incrementAndGet();
        // A new replica always starts so; one that was in line with its primary before is worth a warning.
        LOG.log(log.synced() ? Level.WARNING : Level.INFO, "replica " + name + " copies everything from "
                + primary.uri() + ": " + reason);
        ReplicationStatus status = primary.status();
        ChangeLog.Position at = status.position();
        primaryHead = at.head();
        Map<String, String> listed = new LinkedHashMap<>();
        Optional<String> after = Optional.empty();
        do {
            PrimaryClient.ListingPage page = primary.listing(after);
            page.items().forEach(item -> listed.put(item.path(), item.digest()));
            after = page.next();
        } while (after.isPresent() && !closed);
        int deleted = 0;
        for (String extra : localPathsNotIn(listed)) {
            try {
                writer.delete(RequestPaths.confineDecoded(extra));
                deleted++;
            } catch (Problem e) {
                if (e.kind() != Problem.Kind.NOT_FOUND) {
                    throw new IOException("deleting " + extra + " failed here: " + e.getMessage());
                }
            }
        }
        int copied = 0;
        int unchanged = 0;
        for (Map.Entry<String, String> asset : listed.entrySet()) {
            if (closed) {
                return;
            }
            switch (copy(RequestPaths.confineDecoded(asset.getKey()), asset.getValue())) {
                case ALREADY_HERE -> unchanged++;
                case COPIED -> copied++;
                case PRIMARY_MOVED_ON -> { } // changed since the listing: a change after the head brings it
            }
        }
        log.restartAt(at, at.head());
        log.markSynced();
        pendingSince = Optional.empty();
        state = State.STREAMING; // the next request continues from the new position
        LOG.log(Level.INFO, "replica " + name + " copied everything from " + primary.uri() + ": " + copied
                + " copied, " + deleted + " deleted, " + unchanged + " unchanged; now at change " + at.head()
                + " of log " + at.log() + " (epoch " + at.epoch() + ")");
    }

    private List<String> localPathsNotIn(Map<String, String> listed) {
        AssetListing listing = new AssetListing(store);
        List<String> extra = new ArrayList<>();
        Optional<String> after = Optional.empty();
        do {
            AssetListing.Page page = listing.list(new AssetListing.Query("/", AssetListing.MAX_LIMIT, after));
            for (AssetInfo item : page.items()) {
                if (!listed.containsKey(item.path())) {
                    extra.add(item.path());
                }
            }
            after = page.next();
        } while (after.isPresent());
        return extra;
    }

    /** Stops the loop: cancels the call in flight and waits (bounded) for the thread. */
    @Override
    public void close() {
        closed = true;
        primary.cancel();
        thread.interrupt();
        try {
            thread.join(CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        primary.close();
        state = State.STOPPED;
    }

    /** A copied body that does not match its digest: it was not written, and the entry is tried again. */
    static final class DigestMismatch extends IOException {
        DigestMismatch(String message) {
            super(message);
        }
    }
}
