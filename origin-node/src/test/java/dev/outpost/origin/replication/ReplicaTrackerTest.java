package dev.outpost.origin.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReplicaTrackerTest {
    private final ReplicaTracker tracker = new ReplicaTracker(Clock.systemUTC());

    @Test
    void aSynchronousWriteWaitsUntilEnoughReplicasPassedItsChange() throws Exception {
        tracker.report("eu", 4);
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Integer> confirmed = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            try {
                return tracker.awaitApplied(5, 2, Duration.ofMinutes(1));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        waiting.await();
        tracker.report("eu", 5);
        tracker.report("ap", 3);
        assertThat(confirmed).isNotDone();
        tracker.report("ap", 7);
        assertThat(confirmed.get(1, TimeUnit.MINUTES)).isEqualTo(2);
    }

    @Test
    void aWriteTooFewReplicasConfirmIsReportedWithTheirCountOnceTheTimeIsUp() throws InterruptedException {
        tracker.report("eu", 10);
        tracker.report("ap", 2);
        assertThat(tracker.awaitApplied(10, 2, Duration.ofMillis(50))).isEqualTo(1);
    }

    @Test
    void aReplicaKeepsItsHighestPositionUntilItIsForgotten() {
        tracker.report("eu", 9);
        tracker.report("eu", 3); // a request parked before the newer one answered late
        assertThat(tracker.replicas()).singleElement().satisfies(r -> assertThat(r.applied()).isEqualTo(9));
        tracker.forget("eu");
        assertThat(tracker.replicas()).isEmpty();
    }
}
