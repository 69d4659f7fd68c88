package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FetchThreadsTest {
    @Test
    void fetchesPastThePlatformThreadsRunAtOnceOnVirtualThreadsNeverQueued() throws Exception {
        try (FetchThreads threads = new FetchThreads(2)) {
            CountDownLatch allRunning = new CountDownLatch(4);
            CountDownLatch release = new CountDownLatch(1);
            ConcurrentLinkedQueue<Boolean> virtual = new ConcurrentLinkedQueue<>();
            for (int i = 0; i < 4; i++) {
                threads.execute(() -> {
                    virtual.add(Thread.currentThread().isVirtual());
                    allRunning.countDown();
                    await(release); // a fetch blocked on its origin
                });
            }
            assertThat(allRunning.await(10, TimeUnit.SECONDS)).as("four blocked fetches run at once").isTrue();
            release.countDown();
            assertThat(List.copyOf(virtual)).containsExactlyInAnyOrder(false, false, true, true);
        }
    }

    @Test
    void zeroPlatformThreadsRunsEveryFetchOnAVirtualThread() throws Exception {
        try (FetchThreads threads = new FetchThreads(0)) {
            CountDownLatch ran = new CountDownLatch(1);
            ConcurrentLinkedQueue<Boolean> virtual = new ConcurrentLinkedQueue<>();
            threads.execute(() -> {
                virtual.add(Thread.currentThread().isVirtual());
                ran.countDown();
            });
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(virtual).containsExactly(true);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
