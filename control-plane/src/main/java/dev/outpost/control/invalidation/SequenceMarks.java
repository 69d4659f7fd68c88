package dev.outpost.control.invalidation;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The log's sequence marks, kept in memory because steering asks for them on every request, on the IO thread: the
 * last sequence given, and per stored regions text ({@code ",eu,us,"}, {@code ""} = every region) the highest purge
 * or config sequence (what an edge there must have applied before it is steered traffic) and the highest sequence
 * compaction deleted (an edge below it is behind the kept log). Loaded at open, raised by every append here and by
 * the entries other control planes appended ({@link #learn}). Written under the log's monitor; read without it
 * ({@link #due}, {@link #last}), so an fsync never stalls a redirect.
 */
final class SequenceMarks {
    /** Highest purge or config sequence per stored regions text ("" = all regions). */
    private final Map<String, Long> duePerRegions = new ConcurrentHashMap<>();
    /** Highest compacted (deleted) sequence per stored regions text. */
    private final Map<String, Long> compactedPerRegions = new ConcurrentHashMap<>();
    private volatile long lastSequence;
    /** Several control planes on one database: the highest sequence {@link #learn} handed out. */
    private long learnedThrough;

    /** The marks as the store holds them (at open). */
    static SequenceMarks load(LogStore store) {
        SequenceMarks marks = new SequenceMarks();
        store.loadMarks(marks.duePerRegions, marks.compactedPerRegions);
        marks.lastSequence = store.lastSequence();
        marks.learnedThrough = marks.lastSequence;
        return marks;
    }

    /** Entry {@code sequence} was appended here. */
    void appended(NewEntry entry, long sequence) {
        raise(entry.kind(), entry.regions(), sequence);
    }

    private void raise(Kind kind, List<String> regions, long sequence) {
        lastSequence = Math.max(lastSequence, sequence);
        // a config entry gates steering like a purge: an edge that missed it runs an older configuration
        if (kind == Kind.PURGE || kind == Kind.CONFIG) {
            duePerRegions.merge(LogStore.regionsText(regions), sequence, Math::max);
        }
    }

    /**
     * Several control planes on one database: reads the entries appended since the last call, here or by another
     * control plane (appends commit in sequence order, each waiting for the counter's row lock, so what is
     * committed is always a prefix of the sequence and nothing is skipped), raises the marks from them and from the
     * stored compaction marks, and returns them, oldest first, each once.
     */
    List<LoggedEntry> learn(LogStore store) {
        store.compactedMarks().forEach((regions, through) -> compactedPerRegions.merge(regions, through, Math::max));
        List<LoggedEntry> learned = new ArrayList<>();
        while (true) {
            List<LoggedEntry> page = store.allAfter(learnedThrough, 500);
            for (LoggedEntry logged : page) {
                InvalidationEntry e = logged.entry();
                learnedThrough = e.sequence();
                raise(e.kind(), e.regions(), e.sequence());
                learned.add(logged);
            }
            if (page.size() < 500) {
                break;
            }
        }
        lastSequence = Math.max(lastSequence, learnedThrough);
        return learned;
    }

    /** The compaction marks, for compaction to raise as it deletes. */
    Map<String, Long> compacted() {
        return compactedPerRegions;
    }

    long last() {
        return lastSequence;
    }

    /** The highest purge or config sequence reaching {@code region}, compacted ones included. */
    long due(String region) {
        return Math.max(highest(duePerRegions, region), highest(compactedPerRegions, region));
    }

    /** Whether an edge of {@code region} that applied up to {@code applied} missed entries compacted away. */
    boolean behindKeptLog(String region, long applied) {
        return applied < highest(compactedPerRegions, region);
    }

    /** The highest sequence compaction deleted for any region (0 when nothing was). */
    long compactedThrough() {
        return compactedPerRegions.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private static long highest(Map<String, Long> perRegions, String region) {
        long highest = 0;
        boolean every = InvalidationLog.EVERY_REGION.equals(region);
        String needle = "," + region + ",";
        for (Map.Entry<String, Long> e : perRegions.entrySet()) {
            if (every || e.getKey().isEmpty() || e.getKey().contains(needle)) {
                highest = Math.max(highest, e.getValue());
            }
        }
        return highest;
    }
}
