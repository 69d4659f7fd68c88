package dev.outpost.control.invalidation;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.control.DeliverySettings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The lanes alone: each edge's work in order, one at a time, and a lane only while there is work. */
class DeliveryLanesTest {
    @Test
    void anEdgesWorkRunsInOrderAndItsLaneGoesOnceItRanEverything() throws Exception {
        try (DeliveryLanes lanes = new DeliveryLanes(DeliverySettings.DEFAULTS)) {
            CountDownLatch release = new CountDownLatch(1);
            List<Integer> ran = new CopyOnWriteArrayList<>();
            lanes.execute("eu-1", () -> awaitQuietly(release));
            for (int i = 0; i < 100; i++) {
                int n = i;
                lanes.execute("eu-1", () -> ran.add(n));
            }
            lanes.execute("eu-2", () -> ran.add(-1)); // another edge's lane does not wait for eu-1's
            await().atMost(10, SECONDS).until(() -> ran.contains(-1));
            assertThat(lanes.lanes()).as("eu-1's, still busy").isEqualTo(1);

            release.countDown();
            await().atMost(10, SECONDS).until(() -> lanes.lanes() == 0);
            assertThat(ran.subList(1, ran.size())).containsExactlyElementsOf(IntStream.range(0, 100).boxed().toList());
        }
    }

    @Test
    void workHandedOverWhileLanesComeAndGoRunsOneAtATimeInTheOrderEachSenderGaveIt() throws Exception {
        try (DeliveryLanes lanes = new DeliveryLanes(DeliverySettings.DEFAULTS)) {
            AtomicInteger running = new AtomicInteger();
            AtomicInteger most = new AtomicInteger();
            List<List<Integer>> ranPerSender = new ArrayList<>();
            List<Thread> senders = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                List<Integer> ran = new CopyOnWriteArrayList<>();
                ranPerSender.add(ran);
                senders.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 2000; i++) {
                        int n = i;
                        lanes.execute("eu-1", () -> {
                            most.accumulateAndGet(running.incrementAndGet(), Math::max);
                            ran.add(n);
                            running.decrementAndGet();
                        });
                        if (i % 7 == 0) {
                            Thread.yield(); // lets the lane run dry and go now and then
                        }
                    }
                }));
            }
            for (Thread sender : senders) {
                sender.join();
            }
            await().atMost(20, SECONDS).until(() -> lanes.lanes() == 0);
            assertThat(most.get()).as("never two lanes of one edge at once").isEqualTo(1);
            for (List<Integer> ran : ranPerSender) {
                assertThat(ran).containsExactlyElementsOf(IntStream.range(0, 2000).boxed().toList());
            }
        }
    }

    @Test
    void workThatThrowsAnErrorDoesNotStopTheWorkBehindIt() throws Exception {
        try (DeliveryLanes lanes = new DeliveryLanes(DeliverySettings.DEFAULTS)) {
            CountDownLatch release = new CountDownLatch(1);
            List<String> ran = new CopyOnWriteArrayList<>();
            lanes.execute("eu-1", () -> {
                awaitQuietly(release);
                throw new AssertionError("an Error ends the lane's thread (expected in this test)");
            });
            lanes.execute("eu-1", () -> ran.add("after the error"));
            release.countDown();
            await().atMost(10, SECONDS).until(() -> ran.size() == 1 && lanes.lanes() == 0);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
