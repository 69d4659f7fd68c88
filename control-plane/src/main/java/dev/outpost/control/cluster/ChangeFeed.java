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
import org.postgresql.PGConnection;

/**
 * How a control plane learns what the others sharing its PostgreSQL database wrote (docs/high-availability.md):
 * one thread holds a dedicated connection that {@code LISTEN}s on {@link Store#CHANGES_CHANNEL} (every append
 * notifies inside its transaction, so the notification arrives once the entry is committed) and wakes on each
 * notification, or after {@code store.pollInterval} without one (the fallback poll: a notification lost with a
 * broken connection is made up by the next poll). Each wake: renews this instance's lease, reads the entries
 * appended elsewhere and pushes them to this instance's edges, and takes in the registry's changes. A broken
 * connection (the database restarted) is reopened every poll interval until it is back; nothing is lost meanwhile,
 * since the reads start from what this instance last learned, not from the notifications.
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
    private volatile boolean closed;
    private volatile Connection listening;
    private long wakes;
    private long renewedAtNanos;
    private boolean failing;

    private ChangeFeed(Store store, Instances instances, Registry registry,
            Dispatcher dispatcher) {
        this.store = store;
        this.instances = instances;
        this.registry = registry;
        this.dispatcher = dispatcher;
        this.poll = store.settings().pollInterval();
        this.renewEvery = store.settings().instanceLease().dividedBy(5);
        this.thread = Thread.ofPlatform().daemon().name("control-plane-change-feed").unstarted(this::run);
    }

    public static ChangeFeed start(Store store, Instances instances, Registry registry,
            Dispatcher dispatcher) {
        ChangeFeed feed = new ChangeFeed(store, instances, registry, dispatcher);
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

    /** One round: lease, new entries pushed to this instance's edges, registry refreshed, catch-up when due. */
    private void wake() {
        boolean ownersChanged = false;
        if (System.nanoTime() - renewedAtNanos >= renewEvery.toNanos()) {
            ownersChanged = instances.renew();
            renewedAtNanos = System.nanoTime();
            if (ownersChanged) {
                LOG.log(Level.INFO, () -> "control planes live on this database: " + instances.live().size()
                        + " (this one " + instances.id() + "); edges reassigned");
            }
        }
        registry.refresh();
        dispatcher.deliverNew();
        if (ownersChanged || ++wakes % CATCH_UP_EVERY == 0) {
            dispatcher.catchUpOwned();
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
        instances.leave();
    }
}
