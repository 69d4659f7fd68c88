package dev.outpost.origin.assets;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.origin.OriginConfig;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import okhttp3.Call;
import okhttp3.MediaType;
import dev.outpost.common.tls.TlsContexts;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Announces asset changes to the configured URL (the control plane) from one background thread.
 *
 * <p>Design: {@link #announce} appends to a bounded queue and returns at once, so an upload never waits on the
 * receiver. The worker POSTs the oldest notice, retrying it with {@link Backoff} until a 2xx, and only then takes
 * the next: notices arrive in the order the changes were made. When {@code maxPending} notices wait, the oldest is
 * dropped and logged (even while it is being retried); the newer notices still name every path changed since.
 * {@link #close} cancels the call in flight and waits a bounded time for the thread; undelivered notices are
 * logged, not persisted.
 */
public final class ChangeNotifier implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ChangeNotifier.class.getName());
    private static final MediaType JSON = MediaType.get("application/json");
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    /** How the worker waits between attempts; tests pass one that records or gates the waits. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final Optional<Worker> worker;

    private ChangeNotifier(Optional<Worker> worker) {
        this.worker = worker;
    }

    /** Starts delivering to {@code notify.url()}; without a URL, notices are discarded. */
    public static ChangeNotifier start(OriginConfig.Notify notify) {
        return start(notify, duration -> Thread.sleep(duration), RandomGenerator.getDefault());
    }

    /**
     * Delivering over mutual TLS when {@code notify.url()} is {@code https://} (the control plane's node listener):
     * trusting only our CA and presenting the origin's node certificate.
     */
    public static ChangeNotifier start(OriginConfig.Notify notify, Optional<TlsContexts.Client> tls) {
        return new ChangeNotifier(notify.url().map(url -> new Worker(url, notify, duration -> Thread.sleep(duration),
                RandomGenerator.getDefault(), tls)));
    }

    /** As {@link #start(OriginConfig.Notify)}, with the waits between attempts and their jitter supplied. */
    public static ChangeNotifier start(OriginConfig.Notify notify, Sleeper sleeper, RandomGenerator jitter) {
        return new ChangeNotifier(notify.url().map(url -> new Worker(url, notify, sleeper, jitter,
                Optional.empty())));
    }

    /** Queues a notice; never blocks (beyond a short lock) and never fails the caller. */
    public void announce(ChangeNotice notice) {
        worker.ifPresent(w -> w.offer(notice));
    }

    /** Notices waiting, including the one being delivered. */
    public int pending() {
        return worker.map(Worker::pending).orElse(0);
    }

    /** Notices dropped because {@code maxPending} were already waiting, since start. */
    public long dropped() {
        return worker.map(Worker::dropped).orElse(0L);
    }

    @Override
    public void close() {
        worker.ifPresent(Worker::close);
    }

    private static final class Worker {
        private final URI url;
        private final Optional<String> token;
        private final int maxPending;
        private final Backoff backoff;
        private final Sleeper sleeper;
        private final RandomGenerator jitter;
        private final OkHttpClient client;
        private final Thread thread;

        private final ReentrantLock lock = new ReentrantLock();
        private final Condition notEmpty = lock.newCondition();
        private final ArrayDeque<ChangeNotice> queue = new ArrayDeque<>(); // guarded by lock
        private long dropped; // guarded by lock
        private volatile boolean closed;
        private volatile Call inFlight;

        Worker(URI url, OriginConfig.Notify notify, Sleeper sleeper, RandomGenerator jitter,
                Optional<TlsContexts.Client> tls) {
            this.url = url;
            this.token = notify.token();
            this.maxPending = notify.maxPending();
            this.backoff = new Backoff(Duration.ofMillis(notify.initialBackoffMillis()),
                    Duration.ofMillis(notify.maxBackoffMillis()));
            this.sleeper = sleeper;
            this.jitter = jitter;
            OkHttpClient.Builder builder = new OkHttpClient.Builder()
                    .connectTimeout(notify.timeoutMillis(), TimeUnit.MILLISECONDS)
                    .readTimeout(notify.timeoutMillis(), TimeUnit.MILLISECONDS)
                    .writeTimeout(notify.timeoutMillis(), TimeUnit.MILLISECONDS)
                    .callTimeout(notify.timeoutMillis(), TimeUnit.MILLISECONDS)
                    .retryOnConnectionFailure(false) // retries are ours, with backoff
                    .followRedirects(false);
            tls.ifPresent(t -> builder.sslSocketFactory(t.context().getSocketFactory(), t.trustManager()));
            this.client = builder.build();
            this.thread = Thread.ofPlatform().name("outpost-change-notifier").daemon(true).start(this::run);
        }

        void offer(ChangeNotice notice) {
            lock.lock();
            try {
                if (closed) {
                    LOG.log(Level.WARNING, "change notifier closed: not announcing " + describe(notice));
                    return;
                }
                if (queue.size() >= maxPending) {
                    ChangeNotice oldest = queue.pollFirst();
                    dropped++;
                    // Every upload drops one while the receiver is down: log the first and then every 1000th.
                    if (dropped == 1 || dropped % 1000 == 0) {
                        LOG.log(Level.WARNING, maxPending + " change notices wait for " + url + ": dropped the "
                                + "oldest, " + describe(oldest) + " (" + dropped + " dropped so far)");
                    }
                }
                queue.addLast(notice);
                notEmpty.signal();
            } finally {
                lock.unlock();
            }
        }

        int pending() {
            lock.lock();
            try {
                return queue.size();
            } finally {
                lock.unlock();
            }
        }

        long dropped() {
            lock.lock();
            try {
                return dropped;
            } finally {
                lock.unlock();
            }
        }

        private void run() {
            int failures = 0;
            try {
                while (!closed) {
                    ChangeNotice head = next();
                    if (deliver(head, failures)) {
                        if (failures > 0) {
                            LOG.log(Level.INFO, "change notices reach " + url + " again after " + failures
                                    + " failed attempts");
                        }
                        failures = 0;
                        removeIfHead(head);
                    } else if (!closed) {
                        failures++;
                        sleeper.sleep(backoff.delayBefore(failures, jitter));
                    }
                }
            } catch (InterruptedException e) {
                // close() interrupts: stop.
            }
        }

        /** The oldest notice, left in the queue until delivered (so the bound and drop-oldest still apply). */
        private ChangeNotice next() throws InterruptedException {
            lock.lock();
            try {
                while (queue.isEmpty()) {
                    if (closed) {
                        throw new InterruptedException("closed");
                    }
                    notEmpty.await();
                }
                return queue.peekFirst();
            } finally {
                lock.unlock();
            }
        }

        private void removeIfHead(ChangeNotice delivered) {
            lock.lock();
            try {
                // Identity: the head may have been dropped meanwhile, and an equal notice may follow it.
                if (queue.peekFirst() == delivered) {
                    queue.pollFirst();
                }
            } finally {
                lock.unlock();
            }
        }

        private boolean deliver(ChangeNotice notice, int failuresSoFar) {
            Request.Builder request = new Request.Builder()
                    .url(url.toString())
                    .post(RequestBody.create(Json.bytes(notice), JSON));
            token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
            Call call = client.newCall(request.build());
            inFlight = call;
            if (closed) {
                call.cancel();
            }
            // The first failure of a run is a warning; the retries that follow only at DEBUG, to keep logs readable.
            Level level = failuresSoFar == 0 ? Level.WARNING : Level.DEBUG;
            try (Response response = call.execute()) {
                if (response.isSuccessful()) {
                    return true;
                }
                LOG.log(level, "change notice " + describe(notice) + " refused by " + url + ": HTTP "
                        + response.code() + "; retrying with backoff");
                return false;
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(level, "change notice " + describe(notice) + " not delivered to " + url + ": " + e
                            + "; retrying with backoff");
                }
                return false;
            } finally {
                inFlight = null;
            }
        }

        void close() {
            lock.lock();
            try {
                closed = true;
                notEmpty.signalAll();
            } finally {
                lock.unlock();
            }
            Call call = inFlight;
            if (call != null) {
                call.cancel();
            }
            thread.interrupt();
            try {
                thread.join(CLOSE_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int left = pending();
            if (left > 0) {
                LOG.log(Level.WARNING, left + " change notices were not delivered to " + url + " before shutdown");
            }
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }

        private static String describe(ChangeNotice notice) {
            return notice.event().name().toLowerCase(java.util.Locale.ROOT) + " " + notice.path();
        }
    }
}
