package dev.outpost.control.cluster;

import dev.outpost.control.invalidation.Dispatcher;
import dev.outpost.control.registry.Registry;
import dev.outpost.control.store.Store;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;

/**
 * How a control plane learns what the others sharing its PostgreSQL database wrote (docs/high-availability.md):
 * one thread holds a dedicated connection that {@code LISTEN}s on {@link Store#CHANGES_CHANNEL} (every append
 * notifies inside its transaction, so the notification arrives once the entry is committed) and wakes on each
 * notification, or after {@code store.pollInterval} without one (the fallback poll: a notification lost with a
 * broken connection is made up by the next poll). Each wake: reads the entries appended elsewhere and pushes them to
 * this instance's edges, and takes in the registry's changes. A broken connection (the database restarted) is
 * reopened every poll interval until it is back; nothing is lost meanwhile, since the reads start from what this
 * instance last learned, not from the notifications.
 *
 * <p>The lease is renewed on a thread of its own, every fifth of {@code store.instanceLease}, never behind a wake:
 * handing entries to the lanes waits for the dispatcher, which a burst of purges holds for their appends, and on a
 * loaded machine a wake waited 1.6 s for it (SeveralControlPlanesIT with two busy loops beside it). A lease renewed
 * by the wake then lapsed although the instance was working, the others took its edges for a moment and, with their
 * view of those edges a poll behind, set entries aside for them: a purge that never completed within the test.
 */
public final class ChangeFeed implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ChangeFeed.class.getName());
    /** Wakes between two catch-up rounds for every edge (besides when the live instances change). */
    private static final int CATCH_UP_EVERY = 10;

    private final Store store;
    private final Instances instances;
    private final Registry registry;
    private final Dispatcher dispatcher;
    private final Duration poll;
    private final Duration renewEvery;
    private final Thread thread;
    /** Renews the lease; one thread, so renewals never overlap. */
    private final ScheduledExecutorService lease;
    private volatile boolean closed;
    private volatile Connection listening;
    private long wakes;
    private boolean failing;
    /** The lease thread's: whether the last renewal failed (logged once per outage). */
    private boolean renewalsFailing;

    private ChangeFeed(Store store, Instances instances, Registry registry,
            Dispatcher dispatcher) {
        this.store = store;
        this.instances = instances;
        this.registry = registry;
        this.dispatcher = dispatcher;
        this.poll = store.settings().pollInterval();
        this.renewEvery = store.settings().instanceLease().dividedBy(5);
        this.thread = Thread.ofPlatform().daemon().name("control-plane-change-feed").unstarted(this::run);
        this.lease = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("control-plane-lease").factory());
    }

    public static ChangeFeed start(Store store, Instances instances, Registry registry,
            Dispatcher dispatcher) {
        ChangeFeed feed = new ChangeFeed(store, instances, registry, dispatcher);
        long every = feed.renewEvery.toMillis();
        feed.lease.scheduleWithFixedDelay(feed::renewLease, every, every, TimeUnit.MILLISECONDS);
        feed.thread.start();
        return feed;
    }

    private void run() {
        while (!closed) {
            try (Connection connection = store.dedicatedConnection()) {
                listening = connection;
                try (Statement listen = connection.createStatement()) {
                    listen.execute("LISTEN " + Store.CHANGES_CHANNEL);
                }
                if (failing) {
                    LOG.log(Level.INFO, "change feed: listening to the database again; catching up");
                    failing = false;
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                wake(); // what was written while not listening
                while (!closed) {
                    // returns at the first notification (all pending ones at once), or empty after the poll interval
                    pg.getNotifications((int) poll.toMillis());
                    wake();
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                if (!failing) {
                    LOG.log(Level.WARNING, "change feed: lost the database (" + e.getMessage() + "); reconnecting "
                            + "every " + poll.toMillis() + " ms, edges keep being served");
                    failing = true;
                }
                pause();
            } finally {
                listening = null;
            }
        }
    }

    /** One round: new entries pushed to this instance's edges, registry refreshed, catch-up when due. */
    private void wake() {
        registry.refresh();
        dispatcher.deliverNew();
        if (++wakes % CATCH_UP_EVERY == 0) {
            dispatcher.catchUpOwned();
        }
    }

    /**
     * Renews this instance's lease and reads the live ones; when that set changed, edges moved, and this instance's
     * retry rounds start at once for the edges that are its own now. A failure (the database away) leaves the live
     * set as last read; the next renewal tries again.
     */
    private void renewLease() {
        try {
            boolean ownersChanged = instances.renew();
            if (renewalsFailing) {
                LOG.log(Level.INFO, "control-plane lease: renewed again");
                renewalsFailing = false;
            }
            if (ownersChanged) {
                LOG.log(Level.INFO, () -> "control planes live on this database: " + instances.live().size()
                        + " (this one " + instances.id() + "); edges reassigned");
                dispatcher.catchUpOwned();
            }
        } catch (RuntimeException e) {
            if (!renewalsFailing && !closed) {
                LOG.log(Level.WARNING, "control-plane lease: renewal failed (" + e.getMessage() + "); retried every "
                        + renewEvery.toMillis() + " ms");
                renewalsFailing = true;
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(poll);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        Connection connection = listening;
        if (connection != null) {
            try {
                connection.abort(Runnable::run); // ends a getNotifications wait at once
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        thread.interrupt();
        thread.join(Duration.ofSeconds(5));
        lease.shutdownNow();
        lease.awaitTermination(5, TimeUnit.SECONDS);
        instances.leave();
    }
}
