package dev.outpost.control.stats;

import dev.outpost.common.wire.TrafficBatch;
import dev.outpost.control.StatsSettings;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import dev.outpost.control.StoreSettings;
import dev.outpost.control.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The traffic statistics of the CDN as time series per minute, service and status class, from the batches edges send
 * with their heartbeats ({@link TrafficBatch}).
 *
 * <p><b>Design note: write-behind, counted once.</b> A batch is added to per-minute sums in memory at once (the
 * heartbeat is not slowed by a disk write) and the sums are written to the store every {@code
 * stats.flushEvery}, in one transaction, and when the control plane closes. A crash loses what was counted since the
 * last write: that is the price of write-behind, documented in docs/metrics.md. Counting twice is not allowed:
 * an edge sends a batch again, unchanged, when it did not get the reply of the heartbeat that carried it, so the
 * stats keep per node the edge's epoch and the highest batch counted, and ignore a batch at or below it. Those marks
 * are written in the same transaction as the sums they brought: after a restart a batch already written is still
 * ignored, while one lost with the memory is counted (its first count was lost with it). Queries read the stored
 * minutes plus the sums not yet written, so they never lag the write-behind.
 *
 * <p>Minutes are the edge's clock; a row older than {@code stats.retention} or more than {@link #FUTURE} ahead of
 * this clock is dropped (counted in {@link #rowsDropped}). Every method is synchronized: heartbeats, queries and
 * the periodic write take turns; a write of a flush interval's sums takes milliseconds.
 */
public final class TrafficStats implements AutoCloseable {
    /** How far ahead of this control plane's clock an edge's minute may be (clock skew). */
    static final Duration FUTURE = Duration.ofMinutes(5);
    private static final Logger LOG = System.getLogger(TrafficStats.class.getName());

    /** The highest batch of an edge's epoch that was counted. */
    record Counted(String epoch, long batch) {
    }

    private record Key(long minute, String service, String statusClass) {
    }

    private static final class Sums {
        long requests;
        long hits;
        long bytes;
    }

    /** One minute of a series: all requests, hits, bytes, and requests per status class. */
    public record Point(Instant minute, long requests, long hits, long bytes, Map<String, Long> statusClasses) {
    }

    /** What became of a batch. */
    public enum Result { COUNTED, DUPLICATE }

    private final TrafficStore store;
    private final Clock clock;
    private final StatsSettings settings;
    private final Map<Key, Sums> pending = new HashMap<>();
    private final Map<String, Counted> counted;
    private final Map<String, Counted> unwritten = new HashMap<>();
    private final AtomicLong batchesCounted = new AtomicLong();
    private final AtomicLong batchesDuplicate = new AtomicLong();
    private final AtomicLong rowsDropped = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("traffic-write-behind").factory());
    private boolean closed;

    private TrafficStats(TrafficStore store, Clock clock, StatsSettings settings) {
        this.store = store;
        this.clock = clock;
        this.settings = settings;
        this.counted = store.batches();
    }

    /** Opens (creating if needed) the SQLite store in {@code dataDir}; {@link #start} begins the periodic writes. */
    public static TrafficStats open(Path dataDir, Clock clock, StatsSettings settings) {
        return open(StoreSettings.DEFAULTS, dataDir, clock, settings);
    }

    /** The statistics with a store of their own as {@code store} says, closed with them (tests and tools). */
    public static TrafficStats open(StoreSettings store, Path dataDir, Clock clock, StatsSettings settings) {
        return new TrafficStats(new TrafficStore(Store.open(store, dataDir), true), clock, settings);
    }

    /** The statistics in the control plane's store, which outlives them; {@link #start} begins the periodic writes. */
    public static TrafficStats in(Store store, Clock clock, StatsSettings settings) {
        return new TrafficStats(new TrafficStore(store, false), clock, settings);
    }

    /** Writes the sums every {@code stats.flushEvery}. */
    public TrafficStats start() {
        long every = settings.flushEvery().toMillis();
        timer.scheduleWithFixedDelay(this::writeQuietly, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Adds edge {@code node}'s batch unless it was counted before (a heartbeat sent again). */
    public synchronized Result accept(String node, TrafficBatch batch) {
        Counted last = counted.get(node);
        if (last != null && last.epoch().equals(batch.epoch()) && batch.batch() <= last.batch()) {
            batchesDuplicate.incrementAndGet();
            return Result.DUPLICATE;
        }
        long now = clock.millis();
        long oldest = now - settings.retention().toMillis();
        long newest = now + FUTURE.toMillis();
        for (TrafficBatch.TrafficCount c : batch.counts()) {
            if (c.minute() < oldest || c.minute() > newest) {
                rowsDropped.incrementAndGet();
                continue;
            }
            Sums sums = pending.computeIfAbsent(new Key(c.minute(), c.service(), c.statusClass()), k -> new Sums());
            sums.requests += c.requests();
            sums.hits += c.hits();
            sums.bytes += c.bytes();
        }
        Counted mark = new Counted(batch.epoch(), batch.batch());
        counted.put(node, mark);
        unwritten.put(node, mark);
        batchesCounted.incrementAndGet();
        return Result.COUNTED;
    }

    /**
     * Writes the sums counted since the last write (and the batch marks that brought them) in one transaction, and
     * deletes minutes past the retention; on failure they stay in memory for the next write. Returns the rows
     * written.
     */
    public synchronized int write() {
        if (closed) {
            return 0;
        }
        List<TrafficStore.Row> rows = new ArrayList<>(pending.size());
        pending.forEach((k, s) -> rows.add(new TrafficStore.Row(k.minute(), k.service(), k.statusClass(),
                s.requests, s.hits, s.bytes)));
        store.write(rows, unwritten, clock.millis() - settings.retention().toMillis());
        pending.clear();
        unwritten.clear();
        return rows.size();
    }

    private void writeQuietly() {
        try {
            write();
        } catch (RuntimeException e) {
            writeFailures.incrementAndGet();
            LOG.log(Level.WARNING, "writing the traffic statistics failed; kept in memory and tried again in "
                    + settings.flushEvery(), e);
        }
    }

    /**
     * The series of minutes {@code from} (inclusive) to {@code to} (exclusive), both whole minutes, of one service
     * or all: every minute of the range, those without traffic as zeros.
     */
    public synchronized List<Point> series(Optional<String> service, Instant from, Instant to) {
        TreeMap<Long, long[]> totals = new TreeMap<>();
        TreeMap<Long, Map<String, Long>> classes = new TreeMap<>();
        for (long m = from.toEpochMilli(); m < to.toEpochMilli(); m += 60_000) {
            totals.put(m, new long[3]);
            classes.put(m, new TreeMap<>());
        }
        List<TrafficStore.Row> rows = new ArrayList<>(store.read(service, from.toEpochMilli(), to.toEpochMilli()));
        pending.forEach((k, s) -> {
            if (totals.containsKey(k.minute()) && (service.isEmpty() || service.get().equals(k.service()))) {
                rows.add(new TrafficStore.Row(k.minute(), k.service(), k.statusClass(), s.requests, s.hits,
                        s.bytes));
            }
        });
        for (TrafficStore.Row row : rows) {
            long[] t = totals.get(row.minute());
            if (t == null) {
                continue;
            }
            t[0] += row.requests();
            t[1] += row.hits();
            t[2] += row.bytes();
            classes.get(row.minute()).merge(row.statusClass(), row.requests(), Long::sum);
        }
        List<Point> out = new ArrayList<>(totals.size());
        totals.forEach((m, t) -> out.add(new Point(Instant.ofEpochMilli(m), t[0], t[1], t[2], classes.get(m))));
        return out;
    }

    public long batchesCounted() {
        return batchesCounted.get();
    }

    public long batchesDuplicate() {
        return batchesDuplicate.get();
    }

    public long rowsDropped() {
        return rowsDropped.get();
    }

    public long writeFailures() {
        return writeFailures.get();
    }

    /** Stops the periodic writes, writes what is left (a clean stop loses nothing) and closes the store. */
    @Override
    public void close() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(5, TimeUnit.SECONDS);
        synchronized (this) {
            try {
                write();
            } finally {
                closed = true;
                store.close();
            }
        }
    }
}
