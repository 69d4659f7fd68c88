package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.config.CollapsingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CollapsingIT {
    private static List<Answer> concurrently(EdgeFixture f, int count, String path) throws Exception {
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Answer>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                futures.add(clients.submit(() -> f.fetch(path)));
            }
            List<Answer> answers = new ArrayList<>();
            for (Future<Answer> future : futures) {
                answers.add(future.get(30, TimeUnit.SECONDS));
            }
            return answers;
        }
    }

    @Test
    void concurrentMissesForSameKeyMakeOneOriginRequest() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("shared", "max-age=60").headersDelay(1000, TimeUnit.MILLISECONDS));
            List<Answer> answers = concurrently(f, 200, "/hot");
            assertThat(answers).allSatisfy(a -> {
                assertThat(a.code()).isEqualTo(200);
                assertThat(a.body()).isEqualTo("shared");
            });
            assertThat(answers).filteredOn(a -> a.xCache().equals("MISS")).hasSize(1);
            assertThat(answers).filteredOn(a -> a.xCache().equals("COLLAPSED")).isNotEmpty();
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
        }
    }

    @Test
    void anUncacheableAnswerIsNeverHandedToTheWaitersWhoFetchForThemselvesAndTheUrlIsPassed() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            // Each answer names the client it was made for: a private answer must reach that client only.
            f.origin.setDispatcher(new mockwebserver3.Dispatcher() {
                private final java.util.concurrent.atomic.AtomicInteger calls =
                        new java.util.concurrent.atomic.AtomicInteger();

                @Override
                public mockwebserver3.MockResponse dispatch(mockwebserver3.RecordedRequest request) {
                    String client = request.getHeaders().get("X-Client");
                    return f.ok("for " + client, "private")
                            .headersDelay(calls.incrementAndGet() == 1 ? 1000 : 0, TimeUnit.MILLISECONDS).build();
                }
            });
            List<Answer> answers = concurrentlyAs(f, 10, "/private");
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i).body()).isEqualTo("for client-" + i);
            }
            assertThat(answers).filteredOn(a -> a.xCache().equals("COLLAPSED")).isEmpty();
            assertThat(f.origin.getRequestCount()).isEqualTo(10);

            // Now the URL is pass: a slow request does not hold up the next one.
            CountDownLatch slowAtOrigin = new CountDownLatch(1);
            CountDownLatch releaseSlow = new CountDownLatch(1);
            f.origin.setDispatcher(new mockwebserver3.Dispatcher() {
                @Override
                public mockwebserver3.MockResponse dispatch(mockwebserver3.RecordedRequest request)
                        throws InterruptedException {
                    if ("slow".equals(request.getHeaders().get("X-Client"))) {
                        slowAtOrigin.countDown();
                        releaseSlow.await(10, TimeUnit.SECONDS);
                        return f.ok("slow", "private").build();
                    }
                    return f.ok("fast", "private").build();
                }
            });
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Answer> slow = clients.submit(() -> f.fetch("/private", "X-Client", "slow"));
                assertThat(slowAtOrigin.await(5, TimeUnit.SECONDS)).isTrue();
                Answer fast = f.fetch("/private", "X-Client", "fast");
                assertThat(fast.body()).isEqualTo("fast");
                assertThat(fast.xCache()).isEqualTo("BYPASS");
                assertThat(slow.isDone()).isFalse();
                releaseSlow.countDown();
                assertThat(slow.get(10, TimeUnit.SECONDS).body()).isEqualTo("slow");
            }
        }
    }

    @Test
    void aCookieSetForTheLeaderIsNeverHandedToTheWaiters() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.origin.setDispatcher(new mockwebserver3.Dispatcher() {
                private final java.util.concurrent.atomic.AtomicInteger calls =
                        new java.util.concurrent.atomic.AtomicInteger();

                @Override
                public mockwebserver3.MockResponse dispatch(mockwebserver3.RecordedRequest request) {
                    String client = request.getHeaders().get("X-Client");
                    return f.ok("hello", "max-age=60").setHeader("Set-Cookie", "session=" + client)
                            .headersDelay(calls.incrementAndGet() == 1 ? 1000 : 0, TimeUnit.MILLISECONDS).build();
                }
            });
            List<Answer> answers = concurrentlyAs(f, 5, "/cookie");
            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i).body()).isEqualTo("hello");
                assertThat(answers.get(i).header("Set-Cookie")).as("client-%d's cookie", i)
                        .isEqualTo("session=client-" + i);
            }
        }
    }

    /** {@code count} clients at once, client i sending {@code X-Client: client-i}. */
    private static List<Answer> concurrentlyAs(EdgeFixture f, int count, String path) throws Exception {
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Answer>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String client = "client-" + i;
                futures.add(clients.submit(() -> f.fetch(path, "X-Client", client)));
            }
            List<Answer> answers = new ArrayList<>();
            for (Future<Answer> future : futures) {
                answers.add(future.get(30, TimeUnit.SECONDS));
            }
            return answers;
        }
    }

    @Test
    void followersWaitOnlyUpToTheirLimit() throws Exception {
        try (EdgeFixture f = new EdgeFixture(c -> c.withCollapsing(
                new CollapsingConfig(100, Duration.ofMillis(200))))) {
            f.enqueue(f.ok("late", "max-age=60").headersDelay(3000, TimeUnit.MILLISECONDS));
            List<Answer> answers = concurrently(f, 3, "/late");
            assertThat(answers).filteredOn(a -> a.code() == 504).hasSize(2)
                    .allSatisfy(a -> assertThat(a.body()).contains("collapse_timeout"));
            assertThat(answers).filteredOn(a -> a.code() == 200).hasSize(1);
        }
    }

    @Test
    void followersBeyondTheLimitAreTurnedAwayWith503() throws Exception {
        try (EdgeFixture f = new EdgeFixture(c -> c.withCollapsing(new CollapsingConfig(1, Duration.ofSeconds(5))))) {
            f.enqueue(f.ok("busy", "max-age=60").headersDelay(1000, TimeUnit.MILLISECONDS));
            List<Answer> answers = concurrently(f, 4, "/busy");
            assertThat(answers).filteredOn(a -> a.code() == 503).isNotEmpty()
                    .allSatisfy(a -> assertThat(a.body()).contains("collapse_overflow"));
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
        }
    }
}
