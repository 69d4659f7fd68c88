package dev.outpost.origin.replication;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An origin's replication state, as {@code GET /_origin/replication} and the health JSON show it, and as a replica
 * reads its primary's position before a full copy.
 *
 * @param role      {@code primary} or {@code replica}
 * @param name      this origin's name in its group
 * @param log       the id of the change log it writes (a primary) or follows (a replica)
 * @param epoch     the epoch it is in: raised by every promotion
 * @param head      the newest change in its log (a replica: the last one it applied)
 * @param oldest    the oldest change it still keeps; a replica behind it must copy everything again
 * @param epochs    each epoch with its first change
 * @param sync      a primary's synchronous-replication setting
 * @param replicas  a primary's replicas as last seen
 * @param following a replica's view of its primary
 */
public record ReplicationStatus(String role, String name, String log, long epoch, long head, long oldest,
        List<EpochStart> epochs, Optional<Sync> sync, List<ReplicaView> replicas, Optional<Following> following) {
    public ReplicationStatus {
        epochs = epochs == null ? List.of() : List.copyOf(epochs);
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
        sync = sync == null ? Optional.empty() : sync;
        following = following == null ? Optional.empty() : following;
    }

    /** One epoch and the sequence of its first change. */
    public record EpochStart(long epoch, long firstSequence) {
    }

    /** A primary answers writes after {@code replicas} replicas have them, waiting at most {@code timeoutMillis}. */
    public record Sync(int replicas, long timeoutMillis) {
    }

    /** A replica as its primary last saw it. */
    public record ReplicaView(String name, long applied, long lagEntries, Instant lastSeen, double secondsSinceSeen) {
    }

    /**
     * A replica's view of its primary.
     *
     * @param primary           the primary's URL
     * @param state             {@code starting}, {@code streaming}, {@code resyncing}, {@code unreachable},
     *                          {@code refused} or {@code stopped}
     * @param problem           why it is not streaming, when it is not
     * @param ready             whether it serves content (it has been in line with its primary at least once)
     * @param primaryHead       the primary's newest change, as last heard
     * @param lagEntries        changes the primary has that this replica has not applied
     * @param lagSeconds        age of the oldest change not applied yet (0 when caught up), by the primary's
     *                          clock; while the primary is unreachable, the time since it was last heard
     * @param lastContact       when the primary last answered
     * @param entriesApplied    changes applied since start
     * @param resyncs           full copies since start
     * @param digestMismatches  copies refused since start because the bytes did not match their digest
     */
    public record Following(String primary, String state, Optional<String> problem, boolean ready, long primaryHead,
            long lagEntries, double lagSeconds, Optional<Instant> lastContact, long entriesApplied, long resyncs,
            long digestMismatches) {
    }

    /** The epochs as a map, epoch → first sequence. */
    public SortedMap<Long, Long> epochMap() {
        SortedMap<Long, Long> map = new TreeMap<>();
        epochs.forEach(e -> map.put(e.epoch(), e.firstSequence()));
        return map;
    }

    static List<EpochStart> epochList(Map<Long, Long> epochs) {
        return epochs.entrySet().stream().map(e -> new EpochStart(e.getKey(), e.getValue())).toList();
    }

    /** The position this status describes. */
    public ChangeLog.Position position() {
        return new ChangeLog.Position(log, epoch, head, oldest, epochMap());
    }
}
