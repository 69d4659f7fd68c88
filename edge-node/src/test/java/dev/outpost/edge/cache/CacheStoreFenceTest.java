package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A fill on an IO thread never waits for the store's purge fence ({@link CacheStore#tryFillWithoutWaiting}): it
 * runs at once, even while a purge waits for the fence behind a reader (the disk writer publishing), or is not run
 * (the caller fills elsewhere) while a purge records itself.
 */
class CacheStoreFenceTest {
    private static final Duration AT_ONCE = Duration.ofSeconds(2);
    private final Instant t0 = Instant.parse("2026-01-10T12:00:00Z");

    private CachedObject object(String key) {
        return CachedObjects.create(key, Fields.empty(), 200, Fields.of("Cache-Control", "max-age=60"),
                ByteBuffer.allocate(10), t0, t0, TestObjects.POLICY);
    }

    private static void awaitWaiting(Thread t) {
        await().atMost(Duration.ofSeconds(5)).until(() -> t.getState() == Thread.State.WAITING
                || t.getState() == Thread.State.TIMED_WAITING);
    }

    @Test
    void aFillRunsAtOnceWhileAPurgeWaitsForTheFenceBehindAReader() throws Exception {
        CacheStore store = new CacheStore(1_000_000, 8, Duration.ofMinutes(1), Optional.empty(), true,
                System::nanoTime);
        long ticket = store.fetchTicket();
        CountDownLatch readerIn = new CountDownLatch(1);
        CountDownLatch releaseReader = new CountDownLatch(1);
        Thread reader = Thread.ofPlatform().start(() -> store.tryFillWithoutWaiting(() -> {
            readerIn.countDown();
            try {
                releaseReader.await(10, TimeUnit.SECONDS); // as the disk writer publishing under the read lock
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(readerIn.await(5, TimeUnit.SECONDS)).isTrue();
        Thread purge = Thread.ofPlatform().start(() -> store.purge("http://h/other", false));
        awaitWaiting(purge);
        // the premise: a plain putFetched now queues behind the purge
        Thread plain = Thread.ofPlatform().start(() -> store.putFetched(object("http://h/plain"), ticket));
        awaitWaiting(plain);

        AtomicReference<CacheStore.Admission> admission = new AtomicReference<>();
        boolean ran = assertTimeoutPreemptively(AT_ONCE, () -> store.tryFillWithoutWaiting(
                () -> admission.set(store.putFetched(object("http://h/a"), ticket))));

        assertThat(ran).isTrue();
        assertThat(admission.get()).isEqualTo(CacheStore.Admission.STORED);
        releaseReader.countDown();
        for (Thread t : new Thread[] {reader, purge, plain}) {
            t.join(5_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(store.lookup("http://h/a", Fields.empty())).isPresent();
    }

    @Test
    void whileAPurgeRecordsItselfTheFillIsLeftToTheCaller() throws Exception {
        CountDownLatch recording = new CountDownLatch(1);
        CountDownLatch releasePurge = new CountDownLatch(1);
        CacheStore store = new CacheStore(1_000_000, 8, Duration.ofMinutes(1), Optional.empty(), true, () -> {
            if (Thread.currentThread().getName().equals("purger")) { // held while it records itself
                recording.countDown();
                try {
                    releasePurge.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return System.nanoTime();
        });
        Thread purge = Thread.ofPlatform().name("purger").start(() -> store.purge("http://h/other", false));
        assertThat(recording.await(5, TimeUnit.SECONDS)).isTrue();

        AtomicBoolean filled = new AtomicBoolean();
        boolean ran = assertTimeoutPreemptively(AT_ONCE, () -> store.tryFillWithoutWaiting(() -> filled.set(true)));

        assertThat(ran).isFalse();
        assertThat(filled).isFalse();
        releasePurge.countDown();
        purge.join(5_000);
        assertThat(store.tryFillWithoutWaiting(() -> filled.set(true))).isTrue();
        assertThat(filled).isTrue();
    }
}
