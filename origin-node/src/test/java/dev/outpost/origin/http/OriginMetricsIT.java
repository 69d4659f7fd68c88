package dev.outpost.origin.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.origin.OriginConfig;
import dev.outpost.testkit.LoopbackPorts;
import dev.outpost.testkit.Scrape;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import okhttp3.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /_origin/metrics} scraped over a real socket without a token and parsed as Prometheus reads it:
 * uploads, deletes, requests and response bytes by route template and status, the change-notice queue, JVM meters.
 */
class OriginMetricsIT {
    @TempDir
    Path tempDir;

    private static Scrape scrape(AssetApiFixture origin) {
        return Scrape.of(origin.http, URI.create(origin.node.baseUri() + "/_origin/metrics"));
    }

    @Test
    void uploadsDeletesAndContentRequestsAreCountedByRouteAndStatus() {
        try (AssetApiFixture origin = AssetApiFixture.start(tempDir)) {
            Scrape before = scrape(origin);
            assertThat(before.value("origin_uploads_total", "result", "created")).isZero();

            assertThat(origin.put("/css/a.css", "body { color: red }").code()).isEqualTo(201);
            assertThat(origin.put("/css/a.css", "body { color: blue; }").code()).isEqualTo(200);
            assertThat(origin.delete("/css/a.css").code()).isEqualTo(200);
            assertThat(origin.put("/b.txt", "twelve bytes").code()).isEqualTo(201);
            AssetApiFixture.Answer content = origin.call(new Request.Builder()
                    .url(origin.node.baseUri() + "/b.txt").build());
            assertThat(content.code()).isEqualTo(200);
            assertThat(origin.call(new Request.Builder().url(origin.node.baseUri() + "/nothing-here").build()).code())
                    .isEqualTo(404);

            // A request is counted when its exchange completes, which can be just after its answer reached us.
            await().atMost(Duration.ofSeconds(10)).until(() -> scrape(origin).sum("origin_requests_seconds_count",
                    "method", "GET", "route", "content", "status", "404") > 0);
            Scrape after = scrape(origin);
            assertThat(after.value("origin_uploads_total", "result", "created")).isEqualTo(2);
            assertThat(after.value("origin_uploads_total", "result", "replaced")).isEqualTo(1);
            assertThat(after.value("origin_upload_bytes_total")).isEqualTo(19 + 21 + 12);
            assertThat(after.value("origin_deletes_total")).isEqualTo(1);
            String route = "/_origin/assets/{path...}";
            assertThat(after.value("origin_requests_seconds_count", "method", "PUT", "route", route, "status", "201"))
                    .isEqualTo(2);
            assertThat(after.value("origin_requests_seconds_count", "method", "PUT", "route", route, "status", "200"))
                    .isEqualTo(1);
            assertThat(after.value("origin_requests_seconds_count", "method", "GET", "route", "content",
                    "status", "200")).isEqualTo(1);
            assertThat(after.value("origin_response_bytes_total", "method", "GET", "route", "content",
                    "status", "200")).isEqualTo(12);
            assertThat(after.value("origin_requests_seconds_count", "method", "GET", "route", "content",
                    "status", "404")).isEqualTo(1);
            assertThat(after.value("origin_requests_seconds_count", "method", "GET", "route", "/_origin/metrics",
                    "status", "200")).as("the scrapes before this one, counted once answered").isPositive();
            assertThat(after.value("origin_notices_queued")).as("no notify URL: nothing queued").isZero();
            assertThat(after.names()).contains("jvm_memory_used_bytes", "jvm_threads_live_threads",
                    "jvm_classes_loaded_classes", "process_uptime_seconds", "process_cpu_usage",
                    "origin_replication_primary");
        }
    }

    @Test
    void noticesTheControlPlaneHasNotTakenYetShowAsTheQueueDepth() {
        int refusing = LoopbackPorts.free(); // nothing listens there: every delivery is refused and retried
        try (AssetApiFixture origin = AssetApiFixture.start(tempDir, config -> config.withNotify(
                new OriginConfig.Notify(Optional.of(URI.create("http://127.0.0.1:" + refusing + "/events")),
                        Optional.of("notify-token"), Duration.ofMillis(20), Duration.ofMillis(200), 100,
                        Duration.ofSeconds(5), null)))) {
            assertThat(origin.put("/a.css", "a").code()).isEqualTo(201);
            assertThat(origin.put("/b.css", "b").code()).isEqualTo(201);
            assertThat(origin.delete("/c.css").code()).as("no such asset: nothing to announce").isEqualTo(404);
            Scrape scrape = scrape(origin);
            assertThat(scrape.value("origin_notices_queued")).isEqualTo(2);
            assertThat(scrape.value("origin_notices_dropped_total")).isZero();
            assertThat(scrape.value("origin_notices_delivered_total")).isZero();
        }
    }

    @Test
    void retriesAndDeadLettersOfChangeNoticesAreCounted() {
        int refusing = LoopbackPorts.free();
        try (AssetApiFixture origin = AssetApiFixture.start(tempDir, config -> config.withNotify(
                new OriginConfig.Notify(Optional.of(URI.create("http://127.0.0.1:" + refusing + "/events")),
                        Optional.of("notify-token"), Duration.ofMillis(10), Duration.ofMillis(20), 100,
                        Duration.ofSeconds(5), null).withTries(2)))) {
            assertThat(origin.put("/a.css", "a").code()).isEqualTo(201);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> scrape(origin).value("origin_notices_dead_letters_total") == 1);
            Scrape scrape = scrape(origin);
            assertThat(scrape.value("origin_notices_retries_total")).as("the first of two tries").isEqualTo(1);
            assertThat(scrape.value("origin_notices_queued")).isZero();
        }
    }
}
