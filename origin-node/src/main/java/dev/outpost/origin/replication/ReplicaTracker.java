package dev.outpost.origin.replication;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a primary knows of its replicas: each one's applied position, as it stated it in its last request for
 * changes, and when that was. Writes in synchronous mode wait here until enough replicas have passed their change.
 * A replica is only ever counted for a position it stated on this primary's own log (the handler checks the
 * position first), so a replica that must resync never confirms a write.
 */
public final class ReplicaTracker {
    private final Clock clock;
    private final Map<String, Replica> replicas = new TreeMap<>(); // guarded by this

    public ReplicaTracker(Clock clock) {
        this.clock = clock;
    }

    /** One replica as last seen. */
    public record Replica(String name, long applied, Instant lastSeen) {
    }

    /** A replica stated that it applied every change up to {@code applied}. */
    public synchronized void report(String name, long applied) {
        Replica before = replicas.get(name);
        // A restarted replica may state an older position than a request still parked here: keep the highest.
        long highest = before == null ? applied : Math.max(before.applied(), applied);
        replicas.put(name, new Replica(name, highest, clock.instant()));
        notifyAll();
    }

    /** A replica resynced or was pointed elsewhere: its earlier position means nothing now. */
    public synchronized void forget(String name) {
        replicas.remove(name);
    }

    /** Every replica seen since this primary started, by name. */
    public synchronized List<Replica> replicas() {
        return new ArrayList<>(replicas.values());
    }

    /**
     * Waits until {@code wanted} replicas have applied {@code sequence}, at most {@code timeout}.
     *
     * @return how many had, when enough did or the time was up
     */
    public synchronized int awaitApplied(long sequence, int wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int confirmed = (int) replicas.values().stream().filter(r -> r.applied() >= sequence).count();
            long left = deadline - System.nanoTime();
            if (confirmed >= wanted || left <= 0) {
                return confirmed;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
