package dev.outpost.edge.control;

import dev.outpost.edge.config.ControlPlaneLinkConfig.LeaseExpiry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * How long this edge may trust what it holds without hearing from its control plane. Renewed by every heartbeat
 * whose reply left nothing to apply (counted from when that heartbeat was sent, so everything accepted before then
 * has been applied); it starts when the edge starts. Past it, a purge may have been missed (partition, frozen
 * process, control plane down), so the cache consults {@link #expired} on every answer from the store and, by
 * setting, revalidates before serving or says so in {@code Cache-Status}. This is what bounds how long a purge can
 * go unhonoured: an edge either applied it within one lease, or revalidates.
 *
 * <p>Its expiry and its renewal after one are logged, one line each ({@code lease expired: ...},
 * {@code lease renewed: ...}), when a request or the control-plane link first sees them.
 *
 * <p>An edge without a control plane has no lease ({@link #none}): nothing can purge it but its own admin API.
 */
public final class Lease {
    private static final System.Logger LOG = System.getLogger(Lease.class.getName());
    private final Clock clock;
    private final long lengthMillis;
    private final LeaseExpiry onExpiry;
    private volatile long renewedAtMillis;
    private volatile boolean renewedSinceStart;
    /** Its expiry was logged and no renewal since: the next renewal says so. */
    private final java.util.concurrent.atomic.AtomicBoolean expiryLogged =
            new java.util.concurrent.atomic.AtomicBoolean();

    private Lease(Clock clock, long lengthMillis, LeaseExpiry onExpiry) {
        this.clock = clock;
        this.lengthMillis = lengthMillis;
        this.onExpiry = onExpiry;
        this.renewedAtMillis = clock.millis();
    }

    /** A lease of {@code length}, running from now. */
    public static Lease of(Clock clock, Duration length, LeaseExpiry onExpiry) {
        return new Lease(clock, length.toMillis(), onExpiry);
    }

    /** No control plane: never expires. */
    public static Lease none() {
        return new Lease(Clock.systemUTC(), Long.MAX_VALUE, LeaseExpiry.ANNOTATE);
    }

    /** The time to record before a heartbeat is sent, and to renew from once its reply is applied. */
    Instant now() {
        return clock.instant();
    }

    /** Everything the control plane had accepted by {@code sentAt} is applied: trusted until sentAt + length. */
    void renewFrom(Instant sentAt) {
        renewedSinceStart = true;
        long at = sentAt.toEpochMilli();
        if (at > renewedAtMillis) {
            renewedAtMillis = at;
        }
        if (!expired(clock.instant()) && expiryLogged.compareAndSet(true, false)) {
            LOG.log(System.Logger.Level.INFO, "lease renewed: validUntil=" + Instant.ofEpochMilli(renewedAtMillis
                    + lengthMillis) + " (the control plane answered and everything it held is applied)");
        }
    }

    /**
     * Whether the edge has caught up with its control plane since it started (every entry accepted before some
     * heartbeat applied): what a restarted edge waits for before it trusts objects kept on disk. Always true
     * without a control plane.
     */
    public boolean renewedSinceStart() {
        return renewedSinceStart || lengthMillis == Long.MAX_VALUE;
    }

    /** Whether the lease ran out by {@code now}: the control plane may have purged what is stored unseen. */
    public boolean expired(Instant now) {
        boolean expired = lengthMillis != Long.MAX_VALUE && now.toEpochMilli() - renewedAtMillis > lengthMillis;
        if (expired && !expiryLogged.get() && expiryLogged.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "lease expired: lastRenewed=" + Instant.ofEpochMilli(
                    renewedAtMillis) + " length=" + length() + " onExpiry=" + (revalidates() ? "revalidate"
                    : "annotate") + " (no control plane answered and applied for a whole lease)");
        }
        return expired;
    }

    /** With the lease expired: revalidate before serving (true), or serve and say so (false). */
    public boolean revalidates() {
        return onExpiry == LeaseExpiry.REVALIDATE;
    }

    public Duration length() {
        return Duration.ofMillis(lengthMillis);
    }
}
