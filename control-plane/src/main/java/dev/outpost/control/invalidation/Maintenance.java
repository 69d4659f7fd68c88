package dev.outpost.control.invalidation;

import dev.outpost.control.DeliverySettings;
import dev.outpost.control.registry.Registry;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The control plane's periodic upkeep, on one background thread: fences edges unreachable past the grace period,
 * expires pushes no edge will get any more, and compacts the log (history past the retention, Idempotency-Keys past
 * their lifetime). Each pass is also callable directly ({@link #runOnce}) so tests drive it with their own clock.
 * A failing pass is logged and the next one runs as planned.
 */
public final class Maintenance implements AutoCloseable {
    /** How long an Idempotency-Key answers a retry with the first request's entry. */
    public static final Duration KEY_LIFETIME = Duration.ofHours(24);
    private static final Logger LOG = System.getLogger(Maintenance.class.getName());
    private static final Duration PERIOD = Duration.ofSeconds(1);
    /** Compaction runs every this many passes: it scans the log, the other steps only touch what changed. */
    private static final int COMPACT_EVERY = 60;

    private final InvalidationLog log;
    private final Registry registry;
    private final DeliverySettings delivery;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("control-plane-maintenance").factory());
    private long passes;

    public Maintenance(InvalidationLog log, Registry registry, DeliverySettings delivery) {
        this.log = log;
        this.registry = registry;
        this.delivery = delivery;
    }

    /** Starts the periodic passes (the first compaction runs at once, so a restart trims an oversized log). */
    public Maintenance start() {
        timer.scheduleWithFixedDelay(this::pass, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void pass() {
        try {
            runOnce(passes++ % COMPACT_EVERY == 0);
        } catch (Throwable t) { // the next pass must still run
            LOG.log(Level.WARNING, "control-plane maintenance pass failed; retrying in " + PERIOD.toSeconds() + " s",
                    t);
        }
    }

    /** One pass: fence, expire pushes, and compact when {@code compact}. */
    public void runOnce(boolean compact) {
        registry.fenceUnreachable(delivery.fenceAfter());
        log.expirePushes();
        if (compact) {
            int compacted = log.compact(KEY_LIFETIME);
            if (compacted > 0) {
                LOG.log(Level.INFO, () -> "compacted " + compacted + " log entries past the retention (now kept "
                        + "from sequence " + (log.compactedThrough() + 1) + ")");
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(5, TimeUnit.SECONDS);
    }
}
