package dev.outpost.origin.assets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.origin.OriginConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The notifier against a real receiver that can be switched between down (503) and up (204). */
class ChangeNotifierIT {
    private final Receiver receiver = new Receiver();
    private final MockWebServer server = new MockWebServer();
    private ChangeNotifier notifier;
    @TempDir
    Path queue;

    @BeforeEach
    void startReceiver() throws Exception {
        server.setDispatcher(receiver);
        server.start();
    }

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.close();
        }
        receiver.release.release(1000);
        server.close();
    }

    @Test
    void retriesWithDoublingBackoffUntilTheReceiverAccepts() throws Exception {
        List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
        receiver.refuseNext(5);
        notifier = ChangeNotifier.start(notify(10, 80, 100), queue, waits::add, topOfRange());

        notifier.announce(ChangeNotice.changed("/a.css", "\"e1\""));

        assertThat(receiver.nextDelivered()).isEqualTo(ChangeNotice.changed("/a.css", "\"e1\""));
        assertThat(receiver.attempts()).isEqualTo(6);
        assertThat(waits).containsExactly(ms(10), ms(20), ms(40), ms(80), ms(80));
    }

    @Test
    void everyRetryOfANoticeCarriesTheSameIdempotencyKeyAndTheNextNoticeANewOne() throws Exception {
        receiver.refuseNext(3);
        notifier = ChangeNotifier.start(notify(10, 80, 100), queue, d -> { }, topOfRange());

        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));
        // Once the first is in flight (its first attempt arrived): a notice still waiting would be replaced by the
        // newer one for its path, and only one would be delivered (this test failed so when the worker was slow).
        assertThat(receiver.arrived.await(10, TimeUnit.SECONDS)).isTrue();
        notifier.announce(ChangeNotice.changed("/a.css", "\"1\"")); // an equal notice is still another notice
        receiver.nextDelivered();
        receiver.nextDelivered();

        assertThat(receiver.keys).hasSize(5).doesNotContain("null");
        assertThat(receiver.keys.subList(0, 4)).as("one notice, four attempts").containsOnly(receiver.keys.get(0));
        assertThat(receiver.keys.get(4)).isNotEqualTo(receiver.keys.get(0));
    }

    @Test
    void noticesArriveInOrderAfterAnOutage() throws Exception {
        receiver.refuseNext(3);
        notifier = ChangeNotifier.start(notify(10, 80, 100), queue, d -> { }, topOfRange());

        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));
        notifier.announce(ChangeNotice.changed("/b.css", "\"2\""));
        notifier.announce(ChangeNotice.deleted("/c.css"));

        assertThat(receiver.nextDelivered()).isEqualTo(ChangeNotice.changed("/a.css", "\"1\""));
        assertThat(receiver.nextDelivered()).isEqualTo(ChangeNotice.changed("/b.css", "\"2\""));
        assertThat(receiver.nextDelivered()).isEqualTo(ChangeNotice.deleted("/c.css"));
    }

    @Test
    void aNewerNoticeForAPathReplacesTheOneStillWaitingButNotTheOneInFlight() throws Exception {
        Semaphore waiting = new Semaphore(0);
        Semaphore proceed = new Semaphore(0);
        receiver.down.set(true);
        notifier = ChangeNotifier.start(notify(10, 80, 100), queue, d -> {
            waiting.release();
            proceed.acquire();
        }, topOfRange());
        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));
        assertThat(waiting.tryAcquire(10, TimeUnit.SECONDS)).isTrue(); // /a.css "1" is in flight, retried later

        notifier.announce(ChangeNotice.changed("/a.css", "\"2\""));
        notifier.announce(ChangeNotice.changed("/b.css", "\"3\""));
        notifier.announce(ChangeNotice.deleted("/a.css"));
        assertThat(notifier.pending()).isEqualTo(3);
        assertThat(noticeFiles()).hasSize(3);
        receiver.down.set(false);
        proceed.release(1000);

        assertThat(receiver.nextDelivered()).isEqualTo(ChangeNotice.changed("/a.css", "\"1\""));
        assertThat(receiver.nextDelivered()).isEqualTo(ChangeNotice.changed("/b.css", "\"3\""));
        assertThat(receiver.nextDelivered()).isEqualTo(ChangeNotice.deleted("/a.css"));
        assertThat(receiver.delivered.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void theNoticeIsOnDiskBeforeTheChangeAndSentOnlyAfterIt() throws Exception {
        notifier = ChangeNotifier.start(notify(10, 80, 100), queue, d -> { }, topOfRange());
        List<Integer> filesDuringChange = new ArrayList<>();

        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""), () -> {
            filesDuringChange.add(noticeFiles().size());
            assertThat(receiver.delivered).isEmpty();
        });

        assertThat(filesDuringChange).containsExactly(1);
        assertThat(receiver.nextDelivered()).isEqualTo(ChangeNotice.changed("/a.css", "\"1\""));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> noticeFiles().isEmpty());
    }

    @Test
    void noticesLeftUndeliveredAreSentByTheNextStartOnTheSameQueue() throws Exception {
        receiver.down.set(true);
        notifier = ChangeNotifier.start(notify(10, 80, 100), queue, d -> Thread.sleep(5), topOfRange());
        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));
        notifier.announce(ChangeNotice.deleted("/b.css"));
        notifier.close();
        assertThat(noticeFiles()).hasSize(2);

        receiver.down.set(false);
        notifier = ChangeNotifier.start(notify(10, 80, 100), queue, d -> { }, topOfRange());

        assertThat(receiver.nextDelivered()).isEqualTo(ChangeNotice.changed("/a.css", "\"1\""));
        assertThat(receiver.nextDelivered()).isEqualTo(ChangeNotice.deleted("/b.css"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> noticeFiles().isEmpty());
    }

    private List<Path> noticeFiles() {
        try (var files = java.nio.file.Files.list(queue)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void beyondMaxPendingTheOldestNoticesAreDropped() throws Exception {
        Semaphore waiting = new Semaphore(0);
        Semaphore proceed = new Semaphore(0);
        receiver.down.set(true);
        notifier = ChangeNotifier.start(notify(10, 80, 2), queue, d -> {
            waiting.release();
            proceed.acquire();
        }, topOfRange());

        notifier.announce(ChangeNotice.changed("/1.css", "\"1\""));
        // The worker has tried /1.css, failed, and now waits before retrying: fill the queue meanwhile.
        assertThat(waiting.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 2; i <= 5; i++) {
            notifier.announce(ChangeNotice.changed("/" + i + ".css", "\"" + i + "\""));
        }
        assertThat(notifier.pending()).isEqualTo(2);
        assertThat(notifier.dropped()).isEqualTo(3);
        receiver.down.set(false);
        proceed.release(1000);

        assertThat(receiver.nextDelivered().path()).isEqualTo("/4.css");
        assertThat(receiver.nextDelivered().path()).isEqualTo("/5.css");
        assertThat(receiver.delivered.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void announceNeverBlocksWhileTheReceiverHangs() throws Exception {
        receiver.hang.set(true);
        notifier = ChangeNotifier.start(notify(10, 80, 100), queue, d -> { }, topOfRange());
        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));
        assertThat(receiver.arrived.await(10, TimeUnit.SECONDS)).isTrue();

        // The receiver holds the first call until the test ends: fifty more announces return all the same.
        for (int i = 0; i < 50; i++) {
            notifier.announce(ChangeNotice.changed("/" + i + ".css", "\"x\""));
        }
        assertThat(receiver.delivered).isEmpty();
        assertThat(notifier.pending()).isEqualTo(51);
    }

    @Test
    void closeIsPromptEvenWithACallInFlight() throws Exception {
        receiver.hang.set(true);
        notifier = ChangeNotifier.start(notify(10, 80, 100), queue, d -> { }, topOfRange());
        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));
        assertThat(receiver.arrived.await(10, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        notifier.close();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(notifierThreadsAlive()).isZero();
        notifier.announce(ChangeNotice.changed("/after-close.css", "\"2\""));
        assertThat(notifier.pending()).as("closed: nothing more is queued").isLessThanOrEqualTo(1);
    }

    @Test
    void sendsJsonWithTheBearerTokenWhenConfigured() throws Exception {
        OriginConfig.Notify withToken = OriginConfig.Notify.to(URI.create(server.url("/events").toString()))
                .withToken("notify-secret").withBackoff(ms(10), ms(80)).withTimeout(Duration.ofSeconds(10));
        notifier = ChangeNotifier.start(withToken, queue, d -> { }, topOfRange());

        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));

        RecordedRequest request = server.takeRequest(10, TimeUnit.SECONDS);
        assertThat(request).isNotNull();
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getTarget()).isEqualTo("/events");
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer notify-secret");
        assertThat(request.getHeaders().get("Content-Type")).startsWith("application/json");
        assertThat(request.getBody().utf8()).isEqualTo("{\"event\":\"changed\",\"path\":\"/a.css\",\"etag\":\"\\\"1\\\"\"}");
    }

    @Test
    void aNoticeStillUndeliveredAfterMaxTriesGoesToTheDeadLetterFileAndTheNextOneIsSent() throws Exception {
        List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
        receiver.refuseNext(3);
        notifier = ChangeNotifier.start(notify(10, 80, 100).withTries(3), queue, waits::add, topOfRange());

        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));
        notifier.announce(ChangeNotice.changed("/b.css", "\"2\""));

        assertThat(receiver.nextDelivered()).as("the next notice goes on").isEqualTo(
                ChangeNotice.changed("/b.css", "\"2\""));
        assertThat(receiver.attempts()).isEqualTo(4);
        List<DeadLetters.DeadLetter> dead = deadLetters().read();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).notice()).isEqualTo(ChangeNotice.changed("/a.css", "\"1\""));
        assertThat(dead.get(0).tries()).isEqualTo(3);
        assertThat(dead.get(0).reason()).startsWith("HTTP 503 from ").endsWith("(gave up after 3 tries)");
        assertThat(dead.get(0).id()).isEqualTo(receiver.keys.get(0));
        assertThat(notifier.deadLettered()).isEqualTo(1);
        assertThat(notifier.retries()).as("two of the three failed tries were followed by another").isEqualTo(2);
        // counted once the receiver's answer is read, just after the receiver saw the notice
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> notifier.delivered() == 1);
        assertThat(waits).as("the backoff keeps growing across notices while the receiver fails")
                .containsExactly(ms(10), ms(20), ms(40));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> noticeFiles().isEmpty());
    }

    @Test
    void aNoticeTheReceiverRefusesAsInvalidIsDeadLetteredAtOnceWithTheReceiversReason() throws Exception {
        receiver.invalidNext(1);
        List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
        notifier = ChangeNotifier.start(notify(10, 80, 100), queue, waits::add, topOfRange());

        notifier.announce(ChangeNotice.changed("/bad.css", "\"1\""));
        notifier.announce(ChangeNotice.changed("/good.css", "\"2\""));

        assertThat(receiver.nextDelivered()).isEqualTo(ChangeNotice.changed("/good.css", "\"2\""));
        List<DeadLetters.DeadLetter> dead = deadLetters().read();
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.notice().path()).isEqualTo("/bad.css");
            assertThat(d.tries()).isEqualTo(1);
            assertThat(d.reason()).startsWith("HTTP 422 from ").contains("\"error\":\"bad_notice\"");
        });
        assertThat(waits).as("no backoff: the receiver is there").isEmpty();
        assertThat(notifier.retries()).isZero();
    }

    @Test
    void theDeadLetterFileIsRotatedInsteadOfGrowingPastItsBound() throws Exception {
        receiver.invalidNext(40);
        notifier = ChangeNotifier.start(notify(10, 80, 100).withDeadLetterMaxBytes(4096), queue, d -> { },
                topOfRange());
        for (int i = 0; i < 40; i++) {
            notifier.announce(ChangeNotice.changed("/refused-" + i + ".css", "\"" + i + "\""));
        }
        notifier.announce(ChangeNotice.changed("/last.css", "\"x\""));
        assertThat(receiver.nextDelivered().path()).isEqualTo("/last.css");

        Path file = queue.resolve(DeadLetters.FILE);
        Path older = queue.resolve(DeadLetters.FILE + ".1");
        assertThat(java.nio.file.Files.size(file)).isLessThanOrEqualTo(4096);
        assertThat(java.nio.file.Files.size(older)).isLessThanOrEqualTo(4096);
        assertThat(notifier.deadLettered()).isEqualTo(40);
        List<DeadLetters.DeadLetter> current = deadLetters().read();
        assertThat(current.getLast().notice().path()).as("the newest are kept").isEqualTo("/refused-39.css");
    }

    @Test
    void withoutAUrlNothingIsSentOrQueued() {
        notifier = ChangeNotifier.start(OriginConfig.Notify.DISABLED, queue);
        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));
        assertThat(notifier.pending()).isZero();
        assertThat(server.getRequestCount()).isZero();
    }

    private DeadLetters deadLetters() {
        return new DeadLetters(queue, Long.MAX_VALUE);
    }

    /** Worker threads of notifiers still running in this JVM (tests run one at a time). */
    static long notifierThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("outpost-change-notifier") && t.isAlive())
                .count();
    }

    private OriginConfig.Notify notify(long initialMillis, long maxMillis, int maxPending) {
        return new OriginConfig.Notify(Optional.of(URI.create(server.url("/events").toString())), Optional.empty(),
                ms(initialMillis), ms(maxMillis), maxPending, Duration.ofSeconds(10), null);
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    /** Jitter pinned to the top of its range, so waits are exact. */
    private static RandomGenerator topOfRange() {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return Long.MAX_VALUE;
            }

            @Override
            public long nextLong(long bound) {
                return bound - 1;
            }
        };
    }

    /** A control-plane stand-in: 503 while down (or for the next N calls), hangs on demand, records what it took. */
    private static final class Receiver extends Dispatcher {
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicBoolean hang = new AtomicBoolean();
        final CountDownLatch arrived = new CountDownLatch(1);
        final Semaphore release = new Semaphore(0);
        final LinkedBlockingQueue<ChangeNotice> delivered = new LinkedBlockingQueue<>();
        /** The Idempotency-Key of every attempt, in arrival order. */
        final List<String> keys = Collections.synchronizedList(new ArrayList<>());
        private final java.util.Set<String> accepted = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private int refusals;
        private int invalid;
        private int attempts;

        synchronized void refuseNext(int count) {
            refusals = count;
        }

        /** The next {@code count} notices are refused as invalid (422), as a receiver that cannot use them. */
        synchronized void invalidNext(int count) {
            invalid = count;
        }

        synchronized int attempts() {
            return attempts;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            arrived.countDown();
            if (hang.get()) {
                release.tryAcquire(30, TimeUnit.SECONDS);
                return new MockResponse.Builder().code(503).build();
            }
            keys.add(String.valueOf(request.getHeaders().get("Idempotency-Key")));
            synchronized (this) {
                attempts++;
                if (down.get() || refusals > 0) {
                    refusals--;
                    return new MockResponse.Builder().code(503).build();
                }
                if (invalid > 0) {
                    invalid--;
                    return new MockResponse.Builder().code(422).setHeader("Content-Type", "application/json")
                            .body("{\"error\":\"bad_notice\",\"message\":\"no service has this path\"}").build();
                }
            }
            // Like the control plane, a notice is taken once per Idempotency-Key: an attempt of a closed notifier
            // that the server handles only after the receiver came back up is answered, not counted again.
            if (accepted.add(String.valueOf(request.getHeaders().get("Idempotency-Key")))) {
                delivered.add(Json.mapper().readValue(request.getBody().toByteArray(), ChangeNotice.class));
            }
            return new MockResponse.Builder().code(204).build();
        }

        ChangeNotice nextDelivered() throws InterruptedException {
            ChangeNotice notice = delivered.poll(10, TimeUnit.SECONDS);
            assertThat(notice).as("a notice delivered within 10 s").isNotNull();
            return notice;
        }
    }
}
