package dev.outpost.origin.assets;

import dev.outpost.common.controlplane.ControlPlanes;
import dev.outpost.common.json.Json;
import dev.outpost.common.tls.TlsContexts;
import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.origin.OriginConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Announces asset changes to the configured URL (the control plane) from one background thread, durably.
 *
 * <p>Design: {@link #announce(ChangeNotice, Change)} first writes the notice to the on-disk {@link NoticeQueue}
 * (fsynced), then makes the change (the rename or delete), then hands the notice to the worker; the upload is
 * answered only after all three. So a notice is on disk before its change is visible or answered, and a crash at any
 * point loses none: at the next start the queue is replayed. A crash between the notice and the change only sends
 * a notice for a change that did not happen, which purges a URL that did not need it. The notice is handed to the
 * worker only after the change, so the control plane never purges before the new bytes are there to fetch.
 *
 * <p>The worker POSTs the oldest notice, retrying it with {@link Backoff} until a 2xx, and only then takes the next
 * (deleting its file). Retries are bounded: a notice still not delivered after {@code maxTries} attempts, or
 * refused as invalid at once (400, 404, 405, 410, 411, 413, 414, 415, 422: sending it again cannot help), is
 * written to the {@link DeadLetters} file with the reason before it leaves the queue, and the worker goes on with
 * the next; every other answer (5xx, 408, 429, 401/403 while a token is being fixed) and every I/O failure is
 * retried. Tries are counted per notice since the origin started. A newer notice for a path replaces an older one still waiting (the receiver purges the path
 * either way), so the queue holds at most one notice per changed path, plus the one in flight. Beyond
 * {@code maxPending} the oldest waiting one is dropped and logged. Each notice keeps the id the queue gave it,
 * across restarts. With several receivers ({@code notifications.urls}: several control planes), an attempt goes to
 * the one that took the last notice and, when it fails (no answer, or an answer that may pass: 5xx, 408, 429, 401,
 * 403), to the next at once ({@link ControlPlanes}); the attempt fails, and counts as one try, only when none took
 * it. {@link #close} cancels the call in flight, waits a bounded time for the thread, and logs what
 * was not delivered (it stays on disk for the next start).
 */
public final class ChangeNotifier implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ChangeNotifier.class.getName());
    private static final MediaType JSON = MediaType.get("application/json");
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
    /** The shutdown log line names this many undelivered notices, then counts the rest. */
    private static final int LOGGED_UNDELIVERED = 20;

    /** A change on disk, made between the notice's write and its release. */
    @FunctionalInterface
    public interface Change {
        void apply() throws IOException;
    }

    /** How the worker waits between attempts; tests pass one that records or gates the waits. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final Optional<Worker> worker;

    private ChangeNotifier(Optional<Worker> worker) {
        this.worker = worker;
    }

    /**
     * Starts delivering to {@code notify.url()}, first what {@code queueDirectory} holds from before; without a
     * URL, notices are discarded (and no queue is kept).
     */
    public static ChangeNotifier start(OriginConfig.Notify notify, Path queueDirectory) {
        return start(notify, queueDirectory, duration -> Thread.sleep(duration), RandomGenerator.getDefault());
    }

    /**
     * Delivering over mutual TLS when {@code notify.url()} is {@code https://} (the control plane's node listener):
     * trusting only our CA and presenting the origin's node certificate.
     */
    public static ChangeNotifier start(OriginConfig.Notify notify, Path queueDirectory,
            Optional<TlsContexts.Client> tls) {
        return new ChangeNotifier(receivers(notify).map(urls -> new Worker(urls, notify,
                NoticeQueue.open(queueDirectory), duration -> Thread.sleep(duration), RandomGenerator.getDefault(),
                tls)));
    }

    /** As {@link #start(OriginConfig.Notify, Path)}, with the waits between attempts and their jitter supplied. */
    public static ChangeNotifier start(OriginConfig.Notify notify, Path queueDirectory, Sleeper sleeper,
            RandomGenerator jitter) {
        return new ChangeNotifier(receivers(notify).map(urls -> new Worker(urls, notify,
                NoticeQueue.open(queueDirectory), sleeper, jitter, Optional.empty())));
    }

    private static Optional<ControlPlanes> receivers(OriginConfig.Notify notify) {
        return notify.urls().isEmpty() ? Optional.empty()
                : Optional.of(new ControlPlanes("origin change notices", notify.urls()));
    }

    /**
     * Writes the notice durably, makes the change, then queues the notice for delivery (also when the change
     * failed: a notice too many is harmless, one too few serves stale content).
     *
     * @throws IOException when the notice cannot be written (the change is then not made) or the change fails
     */
    public void announce(ChangeNotice notice, Change change) throws IOException {
        if (worker.isEmpty()) {
            change.apply();
            return;
        }
        NoticeQueue.Queued queued = worker.get().record(notice);
        try {
            change.apply();
        } finally {
            worker.get().release(queued);
        }
    }

    /** Announces a change already made; never blocks beyond the notice's write (and a short lock). */
    public void announce(ChangeNotice notice) {
        try {
            announce(notice, () -> { });
        } catch (IOException e) {
            throw new UncheckedIOException("the change notice for " + notice.path() + " could not be written: "
                    + e.getMessage(), e);
        }
    }

    /** Notices waiting, including the one being delivered. */
    public int pending() {
        return worker.map(Worker::pending).orElse(0);
    }

    /** Notices dropped because {@code maxPending} were already waiting, since start. */
    public long dropped() {
        return worker.map(Worker::dropped).orElse(0L);
    }

    /** Failed attempts that were followed by another try, since start. */
    public long retries() {
        return worker.map(w -> w.retries.sum()).orElse(0L);
    }

    /** Notices given up on and written to the dead-letter file, since start. */
    public long deadLettered() {
        return worker.map(w -> w.deadLettered.sum()).orElse(0L);
    }

    /** Notices the receiver accepted, since start. */
    public long delivered() {
        return worker.map(w -> w.delivered.sum()).orElse(0L);
    }

    /** The dead-letter file, when notices are sent at all. */
    public Optional<Path> deadLetterFile() {
        return worker.map(w -> w.deadLetters.file());
    }

    @Override
    public void close() {
        worker.ifPresent(Worker::close);
    }

    /** What one attempt came to: delivered, failed (retry), or refused as invalid (dead-letter now). */
    private record Attempt(Kind kind, String reason) {
        enum Kind {
            DELIVERED, FAILED, REFUSED
        }
    }

    /** Answers saying the notice itself is wrong: sending it again cannot help. */
    private static final java.util.Set<Integer> REFUSED_AS_INVALID = java.util.Set.of(400, 404, 405, 410, 411, 413,
            414, 415, 422);

    private static final class Worker {
        /** The receivers, for log lines. */
        private final ControlPlanes url;
        private final int maxTries;
        private final DeadLetters deadLetters;
        private final java.util.concurrent.atomic.LongAdder retries = new java.util.concurrent.atomic.LongAdder();
        private final java.util.concurrent.atomic.LongAdder deadLettered =
                new java.util.concurrent.atomic.LongAdder();
        private final java.util.concurrent.atomic.LongAdder delivered = new java.util.concurrent.atomic.LongAdder();
        private final Optional<String> token;
        private final int maxPending;
        private final Backoff backoff;
        private final Sleeper sleeper;
        private final RandomGenerator jitter;
        private final OkHttpClient client;
        private final Thread thread;

        private final NoticeQueue disk;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition notEmpty = lock.newCondition();
        private final ArrayDeque<NoticeQueue.Queued> queue = new ArrayDeque<>(); // guarded by lock
        private NoticeQueue.Queued delivering; // guarded by lock: the head while it is being sent
        private long dropped; // guarded by lock
        private volatile boolean closed;
        private volatile Call inFlight;

        Worker(ControlPlanes url, OriginConfig.Notify notify, NoticeQueue.Opened opened, Sleeper sleeper,
                RandomGenerator jitter, Optional<TlsContexts.Client> tls) {
            this.disk = opened.queue();
            this.queue.addAll(opened.left());
            if (!opened.left().isEmpty()) {
                LOG.log(Level.INFO, opened.left().size() + " change notices left undelivered by the last run are "
                        + "sent again to " + url + " (from " + disk.directory() + ")");
            }
            this.url = url;
            this.token = notify.token();
            this.maxPending = notify.maxPending();
            this.maxTries = notify.maxTries();
            this.deadLetters = new DeadLetters(disk.directory(), notify.deadLetterMaxBytes());
            this.backoff = new Backoff(notify.initialBackoff(), notify.maxBackoff());
            this.sleeper = sleeper;
            this.jitter = jitter;
            OkHttpClient.Builder builder = new OkHttpClient.Builder()
                    .connectTimeout(notify.timeout())
                    .readTimeout(notify.timeout())
                    .writeTimeout(notify.timeout())
                    .callTimeout(notify.timeout())
                    .retryOnConnectionFailure(false) // retries are ours, with backoff
                    .followRedirects(false);
            tls.ifPresent(t -> builder.sslSocketFactory(t.context().getSocketFactory(), t.trustManager()));
            this.client = builder.build();
            this.thread = Thread.ofPlatform().name("outpost-change-notifier").daemon(true).start(this::run);
        }

        /** Writes the notice to disk; the worker does not see it until {@link #release}. */
        NoticeQueue.Queued record(ChangeNotice notice) throws IOException {
            return disk.add(notice);
        }

        /** Hands a recorded notice to the worker, replacing an older one for the same path still waiting. */
        void release(NoticeQueue.Queued notice) {
            lock.lock();
            try {
                if (closed) {
                    LOG.log(Level.WARNING, "change notifier closed: " + describe(notice.notice()) + " stays in "
                            + disk.directory() + " and is sent at the next start");
                    return;
                }
                for (var it = queue.iterator(); it.hasNext(); ) {
                    NoticeQueue.Queued waiting = it.next();
                    if (waiting != delivering && waiting.notice().path().equals(notice.notice().path())) {
                        it.remove(); // superseded: the receiver purges the path for the newer one anyway
                        disk.remove(waiting);
                    }
                }
                if (queue.size() >= maxPending) {
                    NoticeQueue.Queued oldest = queue.pollFirst(); // even while it is being retried
                    disk.remove(oldest);
                    dropped++;
                    // Every upload drops one while the receiver is down: log the first and then every 1000th.
                    if (dropped == 1 || dropped % 1000 == 0) {
                        LOG.log(Level.WARNING, maxPending + " change notices wait for " + url + ": dropped the "
                                + "oldest, " + describe(oldest.notice()) + " (" + dropped + " dropped so far)");
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
            int failures = 0; // attempts in a row that failed, whichever notice: the backoff grows with them
            int tries = 0; // attempts at the current head
            NoticeQueue.Queued current = null;
            try {
                while (!closed) {
                    NoticeQueue.Queued head = next();
                    if (head != current) {
                        current = head;
                        tries = 0;
                    }
                    tries++;
                    Attempt attempt = deliver(head, failures);
                    if (closed && attempt.kind() != Attempt.Kind.DELIVERED) {
                        return; // a cancelled call is no failure of the notice: it stays queued on disk
                    }
                    switch (attempt.kind()) {
                        case DELIVERED -> {
                            if (failures > 0) {
                                LOG.log(Level.INFO, "change notices reach " + url.current() + " again after " + failures
                                        + " failed attempts");
                            }
                            failures = 0;
                            delivered.increment();
                            removeIfHead(head);
                        }
                        case REFUSED -> {
                            failures = 0; // the receiver is there: no reason to wait before the next notice
                            deadLetter(head, attempt.reason(), tries);
                        }
                        case FAILED -> {
                            failures++;
                            if (tries >= maxTries) {
                                deadLetter(head, attempt.reason() + " (gave up after " + tries + " tries)", tries);
                            } else {
                                retries.increment();
                            }
                            sleeper.sleep(backoff.delayBefore(failures, jitter));
                        }
                    }
                }
            } catch (InterruptedException e) {
                // close() interrupts: stop.
            }
        }

        /**
         * Writes the notice to the dead-letter file, then takes it out of the queue. When the file cannot be
         * written the notice stays queued (and is tried again): it is never lost.
         */
        private void deadLetter(NoticeQueue.Queued head, String reason, int tries) {
            try {
                deadLetters.add(new DeadLetters.DeadLetter(head.id(), head.notice(), reason, tries,
                        java.time.Instant.now()));
            } catch (IOException e) {
                LOG.log(Level.ERROR, "change notice " + describe(head.notice()) + " could not be written to the "
                        + "dead-letter file " + deadLetters.file() + " (" + e.getMessage() + "); it stays queued");
                return;
            }
            deadLettered.increment();
            LOG.log(Level.WARNING, "change notice " + describe(head.notice()) + " given up after " + tries
                    + " tries and written to " + deadLetters.file() + ": " + reason);
            removeIfHead(head);
        }

        /** The oldest notice, left in the queue until delivered (so the bound and drop-oldest still apply). */
        private NoticeQueue.Queued next() throws InterruptedException {
            lock.lock();
            try {
                while (queue.isEmpty()) {
                    if (closed) {
                        throw new InterruptedException("closed");
                    }
                    notEmpty.await();
                }
                delivering = queue.peekFirst();
                return delivering;
            } finally {
                lock.unlock();
            }
        }

        private void removeIfHead(NoticeQueue.Queued delivered) {
            lock.lock();
            try {
                if (queue.peekFirst() == delivered) {
                    queue.pollFirst();
                }
                delivering = null;
            } finally {
                lock.unlock();
            }
            disk.remove(delivered);
        }

        /**
         * POSTs one notice to the receiver in use, and to the next ones at once while they fail; {@code queued.id()}
         * is the same on every attempt, to every receiver, and across restarts.
         */
        private Attempt deliver(NoticeQueue.Queued queued, int failuresSoFar) {
            ChangeNotice notice = queued.notice();
            // The first failure of a run is a warning; the retries that follow only at DEBUG, to keep logs readable.
            Level level = failuresSoFar == 0 ? Level.WARNING : Level.DEBUG;
            try {
                return url.call(receiver -> deliverTo(receiver, queued));
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(level, "change notice " + describe(notice) + " not delivered: " + e.getMessage()
                            + "; retrying with backoff");
                }
                return new Attempt(Attempt.Kind.FAILED, e.getMessage());
            }
        }

        /** One POST; an answer that another receiver may not give (or none) is an IOException, to fail over. */
        private Attempt deliverTo(URI receiver, NoticeQueue.Queued queued) throws IOException {
            Request.Builder request = new Request.Builder()
                    .url(receiver.toString())
                    // the notice's durable id: the same on every attempt and after a restart, so a retry whose
                    // first attempt did arrive is answered with the first purge instead of logging another
                    .header("Idempotency-Key", queued.id())
                    .post(RequestBody.create(Json.bytes(queued.notice()), JSON));
            token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
            Call call = client.newCall(request.build());
            inFlight = call;
            if (closed) {
                call.cancel();
            }
            String failed;
            try (Response response = call.execute()) {
                if (response.isSuccessful()) {
                    return new Attempt(Attempt.Kind.DELIVERED, "");
                }
                String reason = "HTTP " + response.code() + " from " + receiver + answerText(response);
                if (REFUSED_AS_INVALID.contains(response.code())) {
                    return new Attempt(Attempt.Kind.REFUSED, reason);
                }
                failed = reason;
            } catch (IOException e) {
                failed = "not delivered to " + receiver + ": " + e;
            } finally {
                inFlight = null;
            }
            throw new IOException(failed);
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
            List<String> left = undelivered();
            if (!left.isEmpty()) {
                LOG.log(Level.WARNING, left.size() + " change notices were not delivered to " + url + " before "
                        + "shutdown; they stay in " + disk.directory() + " and are sent at the next start: "
                        + String.join(", ", left.subList(0, Math.min(left.size(), LOGGED_UNDELIVERED)))
                        + (left.size() > LOGGED_UNDELIVERED ? " and " + (left.size() - LOGGED_UNDELIVERED) + " more"
                                : ""));
            }
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }

        private List<String> undelivered() {
            lock.lock();
            try {
                return queue.stream().map(q -> describe(q.notice())).toList();
            } finally {
                lock.unlock();
            }
        }

        /** The start of an error answer's body (its JSON error names the problem), for the dead letter's reason. */
        private static String answerText(Response response) {
            try {
                String body = response.peekBody(300).string().strip().replaceAll("[\\r\\n]+", " ");
                return body.isEmpty() ? "" : ": " + body;
            } catch (IOException e) {
                return "";
            }
        }

        private static String describe(ChangeNotice notice) {
            return notice.event().name().toLowerCase(java.util.Locale.ROOT) + " " + notice.path();
        }
    }
}
