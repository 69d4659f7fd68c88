package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.config.OriginTimeouts;
import dev.outpost.edge.origin.IoCounts;
import dev.outpost.edge.origin.IoOrigin;
import dev.outpost.testkit.FakeOrigin;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * The origin's timeouts ({@code origin.connect}, {@code origin.read}, {@code origin.total}) hold for a miss the IO
 * thread's client fetches (on by default, off with {@code -Doutpost.fetchOnIoThread=false}) as for the blocking client: an origin
 * that sends no head within {@code origin.read} gets the miss a 504 {@code origin_timeout} (or, with a backup
 * origin listed, the backup's answer), and one that stops mid-body cuts the client's answer off; none is asked a
 * second time, nor stored. The same holds with the
 * property off (the blocking path); with it on, the test also checks the IO thread's timer ended the wait.
 */
class IoMissTimeoutsIT {
    private static final OriginTimeouts SHORT =
            new OriginTimeouts(Duration.ofMillis(500), Duration.ofMillis(300), Duration.ofSeconds(5), null, null, null);

    private static EdgeFixture edgeIn(FakeOrigin origin) throws IOException {
        return new EdgeFixture(c -> c.withOrigin(SHORT), List.of(origin.uri()));
    }

    @Test
    void anOriginThatSendsNoHeadWithinTheReadTimeoutGetsTheMissA504AndIsAskedOnce() throws Exception {
        long before = IoCounts.counted(IoCounts.Count.TIMEOUT_HEAD);
        try (EdgeFixture f = new EdgeFixture(c -> c.withOrigin(SHORT))) { // the service's one origin
            f.enqueue(f.ok("late", "max-age=60").headersDelay(3, TimeUnit.SECONDS));
            EdgeFixture.Answer miss = f.fetch("/silent");
            assertThat(miss.code()).isEqualTo(504);
            assertThat(miss.body()).contains("\"error\":\"origin_timeout\"");
            assertThat(f.origin.getRequestCount()).as("asked once, not again after the timeout").isEqualTo(1);
        }
        if (IoOrigin.ENABLED) {
            assertThat(IoCounts.counted(IoCounts.Count.TIMEOUT_HEAD)).isGreaterThan(before);
        }
    }

    @Test
    void aPrimaryThatNeverAnswersIsAskedOnceAndTheBackupAnswers() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        long before = IoCounts.counted(IoCounts.Count.FAILED_OVER);
        try (FakeOrigin primary = FakeOrigin.start(request -> {
            try {
                never.await(30, TimeUnit.SECONDS); // no head, until the test ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return FakeOrigin.Answer.ok("late").header("Cache-Control", "max-age=60");
        }); EdgeFixture f = edgeIn(primary)) {
            f.enqueue(f.ok("from backup", "max-age=60"));
            EdgeFixture.Answer a = f.fetch("/silent");
            assertThat(a.code()).isEqualTo(200);
            assertThat(a.body()).isEqualTo("from backup");
            assertThat(primary.requests()).as("the primary asked once").isEqualTo(1);
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
        } finally {
            never.countDown();
        }
        if (IoOrigin.ENABLED) {
            assertThat(IoCounts.counted(IoCounts.Count.FAILED_OVER)).isGreaterThan(before);
        }
    }

    @Test
    void anOriginThatStopsMidBodyCutsTheAnswerOffAndIsNotStored() throws Exception {
        byte[] body = new byte[100_000];
        Arrays.fill(body, (byte) 'x');
        FakeOrigin.Hold forever = new FakeOrigin.Hold();
        try (FakeOrigin origin = FakeOrigin.start(request -> {
            FakeOrigin.Answer a = FakeOrigin.Answer.ok(body).header("Cache-Control", "max-age=60");
            return request.number() == 1 ? a.holdAt(body.length / 2, forever) : a;
        }); EdgeFixture f = edgeIn(origin)) {
            try (Response stalled = f.get("/stalls")) {
                assertThat(stalled.code()).isEqualTo(200);
                assertThatThrownBy(() -> stalled.body().bytes()).as("cut off after origin.read without a byte")
                        .isInstanceOf(IOException.class);
            }
            assertThat(origin.requests()).as("asked once").isEqualTo(1);
            forever.release();
            try (Response again = f.get("/stalls")) {
                assertThat(again.header("X-Cache")).as("the stalled body was not stored").isEqualTo("MISS");
                assertThat(again.body().bytes()).isEqualTo(body);
            }
        } finally {
            forever.release();
        }
    }
}
