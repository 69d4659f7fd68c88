package dev.outpost.control.cluster;

import dev.outpost.control.invalidation.Dispatcher;
import dev.outpost.control.store.Store;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The control planes sharing one PostgreSQL database (table {@code instances}, docs/high-availability.md): each
 * holds a lease it renews, and an edge is pushed to live by the live instance that rendezvous hashing of the edge's
 * id picks (the highest SHA-256 of instance and edge id): every instance computes the same owner from the same live
 * set without talking to the others, and when one stops, only its edges move, spread over the rest. Lease times are
 * the database's clock, so the hosts' clocks need not agree. While this instance's own lease is not known to be
 * live (the database is unreachable, or it just started) it counts every edge as its own: a duplicate push is
 * ignored by the edge's in-order gate, a missing one would wait for the edge's heartbeat.
 */
public final class Instances implements Dispatcher.Ownership {
    /** The database's clock in epoch milliseconds. */
    private static final String NOW = "CAST(extract(epoch from clock_timestamp()) * 1000 AS BIGINT)";
    private final Store store;
    private final String id;
    private final String apiUrl;
    private final Duration lease;
    private volatile List<String> live = List.of();

    private Instances(Store store, String id, String apiUrl, Duration lease) {
        this.store = store;
        this.id = id;
        this.apiUrl = apiUrl;
        this.lease = lease;
    }

    /** Joins: writes this instance's row (a fresh id per start: a restarted process is a new instance). */
    public static Instances join(Store store, String apiUrl, Duration lease) {
        Instances instances = new Instances(store, UUID.randomUUID().toString(), apiUrl, lease);
        store.update("joining the control planes", "INSERT INTO instances (id, api_url, started_at, renewed_at) "
                + "VALUES (?, ?, " + NOW + ", " + NOW + ")", instances.id, apiUrl);
        instances.renew();
        return instances;
    }

    public String id() {
        return id;
    }

    /**
     * Renews this instance's lease, forgets rows expired long ago, and reads which instances are live; returns
     * whether that set changed (edges then move between instances).
     */
    public boolean renew() {
        List<String> now = store.transaction("renewing the control plane's lease", Store.Durability.ADVISORY, db -> {
            // a row removed while the database was away (or by an operator) comes back
            Store.update(db, "INSERT INTO instances (id, api_url, started_at, renewed_at) VALUES (?, ?, " + NOW + ", "
                    + NOW + ") ON CONFLICT (id) DO UPDATE SET renewed_at = excluded.renewed_at", id, apiUrl);
            Store.update(db, "DELETE FROM instances WHERE renewed_at < " + NOW + " - ?",
                    Duration.ofDays(1).toMillis());
            List<String> ids = new ArrayList<>();
            try (PreparedStatement s = db.prepareStatement("SELECT id FROM instances WHERE renewed_at >= " + NOW
                    + " - ? ORDER BY id")) {
                s.setLong(1, lease.toMillis());
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
            }
            return ids;
        });
        boolean changed = !now.equals(live);
        live = List.copyOf(now);
        return changed;
    }

    /** The live instances' ids, as last read. */
    public List<String> live() {
        return live;
    }

    @Override
    public boolean owns(String edgeId) {
        List<String> current = live;
        return !current.contains(id) || owner(current, edgeId).equals(id);
    }

    /** The instance of {@code instances} that pushes to {@code edgeId}: the highest hash of the pair. */
    static String owner(List<String> instances, String edgeId) {
        String best = instances.get(0);
        long bestScore = Long.MIN_VALUE;
        for (String instance : instances) {
            long score = score(instance, edgeId);
            if (score > bestScore || score == bestScore && instance.compareTo(best) < 0) {
                best = instance;
                bestScore = score;
            }
        }
        return best;
    }

    private static long score(String instance, String edgeId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((instance + "\n" + edgeId).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    /** Leaves: the row goes, so the others take this instance's edges at once instead of after the lease. */
    public void leave() {
        try {
            store.update("leaving the control planes", "DELETE FROM instances WHERE id = ?", id);
        } catch (RuntimeException e) {
            // the database is away: the lease runs out instead
        }
    }
}
