package dev.outpost.origin.assets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.controlplane.ControlPlanes;
import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.origin.OriginConfig;
import dev.outpost.testkit.LogRecords;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Change notices to two control planes ({@code notifications.urls}), each a real loopback receiver that answers a
 * chosen status and counts what it was sent: a notice goes to the next at once when one fails, and waits the backoff
 * only after a round in which none took it.
 */
class ChangeNotifierFailoverIT {
    private final Receiver first = new Receiver();
    private final Receiver second = new Receiver();
    private final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
    /** Each backoff wait takes one permit: a test lets the worker go on round by round. */
    private final java.util.concurrent.Semaphore gate = new java.util.concurrent.Semaphore(0);
    private ChangeNotifier notifier;
    @TempDir
    Path queue;

    @BeforeEach
    void start() throws Exception {
        first.start();
        second.start();
    }

    @AfterEach
    void stop() {
        gate.release(1000);
        if (notifier != null) {
            notifier.close();
        }
        first.server.close();
        second.server.close();
    }

    private ChangeNotifier notifier(int maxTries) {
        OriginConfig.Notify notify = OriginConfig.Notify.DISABLED.withUrls(List.of(first.url(), second.url()))
                .withBackoff(Duration.ofMillis(10), Duration.ofMillis(80)).withTries(maxTries);
        return ChangeNotifier.start(notify, queue, wait -> {
            waits.add(wait);
            gate.acquire();
        }, RandomGenerator.getDefault());
    }

    @Test
    void aNoticeGoesToTheSecondAtOnceWhenTheFirstFailsAndTheNextStaysThere() throws Exception {
        first.status.set(503);
        try (LogRecords logs = LogRecords.of(ControlPlanes.class)) {
            notifier = notifier(20);
            notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));
            assertThat(second.nextDelivered().path()).isEqualTo("/a.css");
            notifier.announce(ChangeNotice.changed("/b.css", "\"1\""));
            assertThat(second.nextDelivered().path()).isEqualTo("/b.css");
            assertThat(logs.messages()).singleElement().asString().startsWith("origin change notices: control plane "
                    + "switched: from=" + first.url() + " to=" + second.url() + " why=\"HTTP 503 from " + first.url());
        }
        assertThat(first.attempts.get()).as("asked once; the second took that notice and the next").isEqualTo(1);
        assertThat(waits).as("no backoff: a control plane took every notice").isEmpty();
        assertThat(second.keys).as("each notice keeps its own Idempotency-Key").doesNotHaveDuplicates().hasSize(2);
    }

    @Test
    void aRoundInWhichNoneTookItIsOneTryAndWaitsTheBackoff() throws Exception {
        first.status.set(503);
        second.status.set(503);
        notifier = notifier(20);
        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));
        await().atMost(Duration.ofSeconds(10)).until(() -> waits.size() == 1);
        assertThat(first.attempts.get()).as("one attempt at each, then one wait").isEqualTo(1);
        assertThat(second.attempts.get()).isEqualTo(1);
        assertThat(notifier.retries()).as("a round is one try").isEqualTo(1);

        second.status.set(204);
        gate.release();
        assertThat(second.nextDelivered().path()).isEqualTo("/a.css");
        assertThat(first.attempts.get()).as("the next round starts at the first again").isEqualTo(2);
        assertThat(waits).hasSize(1);
    }

    @Test
    void aNoticeRefusedAsInvalidIsNotSentToTheNext() throws Exception {
        first.status.set(422);
        notifier = notifier(20);
        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));
        await().atMost(Duration.ofSeconds(10)).until(() -> notifier.deadLettered() == 1);
        assertThat(second.attempts.get()).as("every control plane would refuse it alike").isZero();
    }

    @Test
    void noneTakingItForMaxTriesRoundsDeadLettersIt() throws Exception {
        first.status.set(503);
        second.status.set(503);
        gate.release(100);
        notifier = notifier(2);
        notifier.announce(ChangeNotice.changed("/a.css", "\"1\""));
        await().atMost(Duration.ofSeconds(10)).until(() -> notifier.deadLettered() == 1);
        assertThat(first.attempts.get()).as("maxTries counts rounds").isEqualTo(2);
        assertThat(second.attempts.get()).isEqualTo(2);
    }

    /** A control-plane stand-in answering {@link #status} to every notice and recording what it took. */
    private static final class Receiver extends Dispatcher {
        final MockWebServer server = new MockWebServer();
        final AtomicInteger status = new AtomicInteger(204);
        final AtomicInteger attempts = new AtomicInteger();
        final List<String> keys = Collections.synchronizedList(new ArrayList<>());
        final LinkedBlockingQueue<ChangeNotice> delivered = new LinkedBlockingQueue<>();

        void start() throws Exception {
            server.setDispatcher(this);
            server.start(InetAddress.getByName("127.0.0.1"), 0);
        }

        URI url() {
            return URI.create(server.url("/api/v1/origin-events").toString());
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            attempts.incrementAndGet();
            int code = status.get();
            if (code == 204) {
                keys.add(String.valueOf(request.getHeaders().get("Idempotency-Key")));
                delivered.add(dev.outpost.common.json.Json.mapper().readValue(request.getBody().toByteArray(),
                        ChangeNotice.class));
            }
            return new MockResponse.Builder().code(code).build();
        }

        ChangeNotice nextDelivered() throws InterruptedException {
            ChangeNotice notice = delivered.poll(10, TimeUnit.SECONDS);
            assertThat(notice).as("a notice delivered within 10 s").isNotNull();
            return notice;
        }
    }
}
