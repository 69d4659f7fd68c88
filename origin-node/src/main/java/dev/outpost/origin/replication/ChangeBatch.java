package dev.outpost.origin.replication;

import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The answer to a replica's request for changes ({@code GET /_origin/replication/changes}): the primary's position
 * and the changes after the replica's, oldest first (none when the long poll timed out).
 */
public record ChangeBatch(String log, long epoch, long head, long oldest, List<ReplicationStatus.EpochStart> epochs,
        List<ChangeEntry> entries) {
    public ChangeBatch {
        epochs = epochs == null ? List.of() : List.copyOf(epochs);
        entries = entries == null ? List.of() : List.copyOf(entries);
    }

    /** The primary's epochs, epoch → first sequence. */
    public SortedMap<Long, Long> epochMap() {
        SortedMap<Long, Long> map = new TreeMap<>();
        epochs.forEach(e -> map.put(e.epoch(), e.firstSequence()));
        return map;
    }

    /** The batch of {@code entries} at a primary that stands at {@code position}. */
    public static ChangeBatch of(ChangeLog.Position position, List<ChangeEntry> entries) {
        return new ChangeBatch(position.log(), position.epoch(), position.head(), position.oldest(),
                ReplicationStatus.epochList(position.epochs()), entries);
    }
}
