package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.config.CollapsingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    void uncacheableResponseAnswersTheWaitersAndMarksTheUrlHitForPass() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("personal", "private").headersDelay(1000, TimeUnit.MILLISECONDS));
            List<Answer> answers = concurrently(f, 10, "/private");
            assertThat(answers).allSatisfy(a -> assertThat(a.body()).isEqualTo("personal"));
            assertThat(f.origin.getRequestCount()).isEqualTo(1);

            // Now the URL is pass: a slow request does not hold up the next one.
            f.enqueue(f.ok("slow", "private").headersDelay(1500, TimeUnit.MILLISECONDS));
            f.enqueue(f.ok("fast", "private"));
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Answer> slow = clients.submit(() -> f.fetch("/private"));
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                        .until(() -> f.origin.getRequestCount() >= 2);
                Answer fast = f.fetch("/private");
                assertThat(fast.body()).isEqualTo("fast");
                assertThat(fast.xCache()).isEqualTo("BYPASS");
                assertThat(slow.isDone()).isFalse();
                assertThat(slow.get(10, TimeUnit.SECONDS).body()).isEqualTo("slow");
            }
        }
    }

    @Test
    void aCookieSetForTheLeaderIsNeverHandedToTheWaiters() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("hello", "max-age=60").setHeader("Set-Cookie", "session=leader")
                    .headersDelay(1000, TimeUnit.MILLISECONDS));
            List<Answer> answers = concurrently(f, 5, "/cookie");
            assertThat(answers).allSatisfy(a -> assertThat(a.body()).isEqualTo("hello"));
            assertThat(answers).filteredOn(a -> a.header("Set-Cookie") != null).hasSize(1)
                    .allSatisfy(a -> assertThat(a.xCache()).isEqualTo("MISS"));
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
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
