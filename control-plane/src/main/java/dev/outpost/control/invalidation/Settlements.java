package dev.outpost.control.invalidation;

import dev.outpost.common.wire.InvalidationEntry.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * The entries this process accepted that are not settled yet, with their kind and acceptance time, so that the
 * moment one settles the {@link DeliveryObserver} learns how long its last edge took to acknowledge it. The log
 * checks an entry after each change to its deliveries, under its own lock (this class has none). Entries accepted
 * before a restart are not timed; at most {@link #MAX_OPEN} are tracked (an edge away for long keeps entries
 * open until it is fenced), beyond that the oldest is given up untimed.
 */
final class Settlements {
    private static final System.Logger LOG = System.getLogger(Settlements.class.getName());
    static final int MAX_OPEN = 10_000;

    private record Open(Kind kind, Instant acceptedAt) {
    }

    private final TreeMap<Long, Open> open = new TreeMap<>();
    private final DeliveryObserver observer;

    Settlements(DeliveryObserver observer) {
        this.observer = observer;
    }

    void accepted(long sequence, Kind kind, Instant at, List<Delivery> deliveries) {
        observer.accepted(kind);
        open.put(sequence, new Open(kind, at));
        if (open.size() > MAX_OPEN) {
            open.pollFirstEntry();
        }
        check(sequence, deliveries);
    }

    /** Checks one entry whose deliveries changed. */
    void check(long sequence, LongFunction<List<Delivery>> deliveries) {
        if (open.containsKey(sequence)) {
            check(sequence, deliveries.apply(sequence));
        }
    }

    /** Checks every open entry up to {@code through} (a node reported all of them applied). */
    void checkThrough(long through, LongFunction<List<Delivery>> deliveries) {
        for (Long sequence : List.copyOf(open.headMap(through, true).keySet())) {
            check(sequence, deliveries.apply(sequence));
        }
    }

    /** Checks every open entry (a node was fenced or removed, pushes expired). */
    void checkAll(LongFunction<List<Delivery>> deliveries) {
        checkThrough(Long.MAX_VALUE, deliveries);
    }

    /** Entries compacted away are no longer waited for. */
    void forgetThrough(long through) {
        Iterator<Map.Entry<Long, Open>> it = open.headMap(through, true).entrySet().iterator();
        while (it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private void check(long sequence, List<Delivery> deliveries) {
        EntryStatus status = EntryStatus.of(deliveries);
        if (!status.settled()) {
            return;
        }
        Open entry = open.remove(sequence);
        if (entry == null) {
            return;
        }
        Optional<Duration> toLastAck = deliveries.stream()
                .filter(d -> d.state() == Delivery.State.APPLIED || d.state() == Delivery.State.FAILED)
                .flatMap(d -> d.appliedAt().stream()).max(Instant::compareTo)
                .map(last -> Duration.between(entry.acceptedAt(), last))
                .map(d -> d.isNegative() ? Duration.ZERO : d);
        observer.settled(entry.kind(), status, toLastAck);
        // One line per entry accepted here, when every edge in its scope settled it (applied, failed or fenced).
        LOG.log(System.Logger.Level.INFO, () -> "entry settled: id=" + Ids.of(entry.kind(), sequence) + " sequence="
                + sequence + " status=" + status.name().toLowerCase(java.util.Locale.ROOT) + " edges="
                + deliveries.size() + toLastAck.map(d -> " elapsed=" + d.toMillis() + "ms").orElse(""));
    }
}
