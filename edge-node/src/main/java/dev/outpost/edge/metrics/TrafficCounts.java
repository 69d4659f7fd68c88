package dev.outpost.edge.metrics;

import dev.outpost.common.wire.TrafficBatch;
import dev.outpost.common.wire.TrafficBatch.TrafficCount;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The edge's traffic counters per minute (of its clock), delivery service and status class, handed to the control
 * plane in batches with its heartbeats ({@link TrafficBatch}). Requests count into the open counters; {@link #next}
 * seals them into a numbered batch, which is sent again unchanged until {@link #acknowledged} (the heartbeat that
 * carried it was answered), while new requests count into fresh open counters: so a retried heartbeat never counts
 * twice, and a batch is lost only if this process dies before it was acknowledged (write-behind; docs/metrics.md).
 * At most {@link TrafficBatch#MAX_COUNTS} rows are open at once (a control plane away for hours): requests of a
 * new row past that are dropped and counted in {@link #dropped}.
 *
 * <p>Counting takes a shared lock and adds to per-row adders, so request threads never wait for one another;
 * sealing takes the lock exclusively for the moment it swaps the counters.
 */
public final class TrafficCounts {
    /** "1xx" to "5xx", made once: a class string per request was a string concatenation on every hit. */
    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private record Key(long minute, String service, String statusClass) {
    }

    private static final class Row {
        final LongAdder requests = new LongAdder();
        final LongAdder hits = new LongAdder();
        final LongAdder bytes = new LongAdder();
    }

    private static final Comparator<TrafficCount> ORDER = Comparator.comparingLong(TrafficCount::minute)
            .thenComparing(TrafficCount::service).thenComparing(TrafficCount::statusClass);

    private final Clock clock;
    private final String epoch = UUID.randomUUID().toString();
    private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();
    private final LongAdder dropped = new LongAdder();
    private volatile ConcurrentHashMap<Key, Row> open = new ConcurrentHashMap<>();
    /** The sealed batch not yet acknowledged; guarded by this. */
    private TrafficBatch sealed;
    private long lastBatch;

    public TrafficCounts(Clock clock) {
        this.clock = clock;
    }

    /** One answered request of {@code service} with {@code status}; a hit was answered from the cache. */
    public void record(String service, int status, boolean hit, long bytes) {
        if (status < 100 || status > 599 || service.isEmpty() || service.length() > 128) {
            return;
        }
        Key key = new Key(Math.floorDiv(clock.millis(), 60_000L) * 60_000L, service, STATUS_CLASSES[status / 100 - 1]);
        swap.readLock().lock();
        try {
            Map<Key, Row> counters = open;
            Row row = counters.get(key);
            if (row == null) {
                if (counters.size() >= TrafficBatch.MAX_COUNTS) {
                    dropped.increment();
                    return;
                }
                row = counters.computeIfAbsent(key, k -> new Row());
            }
            row.requests.increment();
            if (hit) {
                row.hits.increment();
            }
            if (bytes > 0) {
                row.bytes.add(bytes);
            }
        } finally {
            swap.readLock().unlock();
        }
    }

    /**
     * The batch for the next heartbeat: the sealed one still unacknowledged, else what was counted since, sealed now
     * as the next batch; empty when nothing was.
     */
    public synchronized Optional<TrafficBatch> next() {
        if (sealed != null) {
            return Optional.of(sealed);
        }
        Map<Key, Row> taken;
        swap.writeLock().lock();
        try {
            if (open.isEmpty()) {
                return Optional.empty();
            }
            taken = open;
            open = new ConcurrentHashMap<>();
        } finally {
            swap.writeLock().unlock();
        }
        List<TrafficCount> counts = new ArrayList<>(taken.size());
        taken.forEach((key, row) -> counts.add(new TrafficCount(key.minute(), key.service(), key.statusClass(),
                row.requests.sum(), Math.min(row.hits.sum(), row.requests.sum()), row.bytes.sum())));
        counts.sort(ORDER);
        sealed = new TrafficBatch(epoch, ++lastBatch, counts);
        return Optional.of(sealed);
    }

    /** The heartbeat carrying batch {@code batch} was answered: the control plane counted it. */
    public synchronized void acknowledged(long batch) {
        if (sealed != null && sealed.batch() == batch) {
            sealed = null;
        }
    }

    /** Requests not counted because {@link TrafficBatch#MAX_COUNTS} rows were open. */
    public long dropped() {
        return dropped.sum();
    }
}
