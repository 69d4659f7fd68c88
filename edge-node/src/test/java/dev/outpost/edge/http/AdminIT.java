package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.testkit.Scrape;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import mockwebserver3.MockResponse;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminIT {
    private static final MediaType JSON = MediaType.get("application/json");
    private EdgeFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new EdgeFixture();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private Answer admin(String method, String path, String body, String... headers) throws IOException {
        Request.Builder b = new Request.Builder().url(f.admin() + path)
                .header("Authorization", "Bearer " + EdgeFixture.ADMIN_TOKEN)
                .method(method, body == null ? null : RequestBody.create(body, JSON));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try (Response r = f.client.newCall(b.build()).execute()) {
            return new Answer(r.code(), r.body().string(), r.headers());
        }
    }

    private void cache(String path, String body, String... extraHeaders) throws IOException {
        MockResponse.Builder response = f.ok(body, "max-age=600");
        for (int i = 0; i + 1 < extraHeaders.length; i += 2) {
            response.setHeader(extraHeaders[i], extraHeaders[i + 1]);
        }
        f.enqueue(response);
        assertThat(f.fetch(path).xCache()).isEqualTo("MISS");
    }

    @Test
    void aSequencedPurgeIsRefusedUntilTheEdgeHasRegisteredWhileAnOperatorsPurgeIsApplied() throws IOException {
        cache("/seq", "s");
        Answer sequenced = admin("POST", "/_edge/purge", "{\"all\":true}", "X-Outpost-Sequence", "7");
        assertThat(sequenced.code()).isEqualTo(409);
        assertThat(sequenced.body()).contains("\"error\":\"not_registered\"");
        assertThat(f.fetch("/seq").xCache()).isEqualTo("HIT");

        Answer bad = admin("POST", "/_edge/purge", "{\"all\":true}", "X-Outpost-Sequence", "seven");
        assertThat(bad.code()).isEqualTo(400);
        assertThat(bad.body()).contains("bad_sequence").contains("X-Outpost-Sequence");

        assertThat(admin("POST", "/_edge/purge", "{\"all\":true}").code()).isEqualTo(200);
        assertThat(f.edge.appliedSequence()).isZero();
    }

    @Test
    void adminRequestsWithoutTheTokenAreRefused() throws IOException {
        Request request = new Request.Builder().url(f.admin() + "/_edge/purge")
                .post(RequestBody.create("{\"all\":true}", JSON)).build();
        try (Response r = f.client.newCall(request).execute()) {
            assertThat(r.code()).isEqualTo(401);
            assertThat(r.body().string()).contains("\"error\":\"unauthorized\"");
        }
        Answer wrong = admin("POST", "/_edge/purge", "{\"all\":true}", "Authorization", "Bearer nope");
        assertThat(wrong.code()).isEqualTo(401);
    }

    @Test
    void purgeByUrlRemovesEveryVariantAndTheNextRequestMisses() throws IOException {
        cache("/p?b=2&a=1", "v1", "Vary", "Accept-Language");
        Answer purge = admin("POST", "/_edge/purge", "{\"urls\":[\"http://assets.test/p?a=1&b=2&utm_x=1\"]}");
        assertThat(purge.code()).isEqualTo(200);
        assertThat(purge.body()).isEqualTo("{\"unknownHosts\":[],\"removed\":1,\"markedStale\":0}");
        f.enqueue(f.ok("v2", "max-age=600"));
        assertThat(f.fetch("/p?a=1&b=2").body()).isEqualTo("v2");
    }

    @Test
    void purgeByPrefixTagHostAndAll() throws IOException {
        cache("/img/a.png", "a");
        cache("/img/b.png", "b");
        cache("/css/site.css", "c", "Surrogate-Key", "css theme");
        cache("/js/app.js", "d");
        assertThat(admin("POST", "/_edge/purge", "{\"prefixes\":[\"http://assets.test/img/\"]}").body())
                .contains("\"removed\":2");
        assertThat(admin("POST", "/_edge/purge", "{\"tags\":[\"theme\"]}").body()).contains("\"removed\":1");
        assertThat(admin("POST", "/_edge/purge", "{\"hosts\":[\"assets.test\"]}").body()).contains("\"removed\":1");
        cache("/js/app.js", "d");
        assertThat(admin("POST", "/_edge/purge", "{\"all\":true}").body()).contains("\"removed\":1");
        assertThat(f.edge.store().entries()).isZero();
    }

    @Test
    void softPurgeMarksStaleSoTheNextRequestRevalidates() throws IOException, InterruptedException {
        cache("/soft", "body", "ETag", "\"s1\"");
        f.takeOriginRequest();
        assertThat(admin("POST", "/_edge/purge", "{\"urls\":[\"http://assets.test/soft\"],\"soft\":true}").body())
                .isEqualTo("{\"unknownHosts\":[],\"removed\":0,\"markedStale\":1}");
        f.enqueue(new MockResponse.Builder().code(304).setHeader("Cache-Control", "max-age=600"));
        Answer next = f.fetch("/soft");
        assertThat(next.xCache()).isEqualTo("REVALIDATED");
        assertThat(next.body()).isEqualTo("body");
        assertThat(f.takeOriginRequest().getHeaders().get("If-None-Match")).isEqualTo("\"s1\"");
    }

    @Test
    void badPurgeIsA400NamingTheProblem() throws IOException {
        Answer a = admin("POST", "/_edge/purge", "{}");
        assertThat(a.code()).isEqualTo(400);
        assertThat(a.body()).contains("urls, prefixes, tags, hosts or all");
    }

    @Test
    void prefetchStoresUrlsAndReportsFailures() throws IOException {
        f.enqueue(f.ok("one", "max-age=600"));
        f.enqueue(f.ok("two", "max-age=600"));
        Answer a = admin("POST", "/_edge/prefetch",
                "{\"urls\":[\"http://assets.test/1\",\"http://assets.test/2\",\"http://other.test/x\"]}");
        assertThat(a.code()).isEqualTo(200);
        assertThat(a.body()).contains("\"stored\":2").contains("\"bytes\":6")
                .contains("\"url\":\"http://other.test/x\"");
        assertThat(f.fetch("/1").xCache()).isEqualTo("HIT");
        assertThat(f.fetch("/2").body()).isEqualTo("two");
        assertThat(f.origin.getRequestCount()).isEqualTo(2);
    }

    @Test
    void prefetchOfAUrlTheOriginAnswers404OrMayNotStoreIsAFailureNamingWhy() throws IOException {
        f.enqueue(new MockResponse.Builder().code(404).setHeader("Cache-Control", "max-age=60").body("gone"));
        f.enqueue(f.ok("secret", "private"));
        Answer a = admin("POST", "/_edge/prefetch",
                "{\"urls\":[\"http://assets.test/missing\",\"http://assets.test/private\"]}");
        assertThat(a.code()).isEqualTo(200);
        assertThat(a.body()).contains("\"stored\":0")
                .contains("{\"url\":\"http://assets.test/missing\",\"error\":\"origin answered 404\"}")
                .contains("{\"url\":\"http://assets.test/private\",\"error\":\"not stored: ");
    }

    @Test
    void pushStoresContentWithItsHeadersWithoutAskingTheOrigin() throws IOException {
        Request put = new Request.Builder().url(f.admin() + "/_edge/objects?url=http://assets.test/pushed.txt")
                .header("Authorization", "Bearer " + EdgeFixture.ADMIN_TOKEN)
                .header("Cache-Control", "max-age=600").header("Surrogate-Key", "pushed")
                .put(RequestBody.create("pushed body", MediaType.get("text/plain"))).build();
        try (Response r = f.client.newCall(put).execute()) {
            assertThat(r.code()).isEqualTo(201);
            assertThat(r.body().string()).contains("\"key\":\"assets/pushed.txt\"");
        }
        Answer hit = f.fetch("/pushed.txt");
        assertThat(hit.xCache()).isEqualTo("HIT");
        assertThat(hit.body()).isEqualTo("pushed body");
        assertThat(hit.header("Content-Type")).startsWith("text/plain");
        assertThat(f.origin.getRequestCount()).isZero();
        assertThat(f.edge.store().keysTagged("pushed")).containsExactly("assets/pushed.txt");
    }

    @Test
    void pushThatTheRulesWouldNotStoreIsRefused() throws IOException {
        Answer a = admin("PUT", "/_edge/objects?url=http://assets.test/x", "x", "Cache-Control", "no-store");
        assertThat(a.code()).isEqualTo(422);
        assertThat(a.body()).contains("no-store");
    }

    @Test
    void healthAndMetricsAreServed() throws IOException {
        cache("/m", "metered");
        f.fetch("/m");
        Answer health = f.fetch("/_edge/health");
        assertThat(health.code()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"ok\"").contains("\"id\":\"edge-test\"")
                .contains("\"appliedSequence\":0");
        // An exchange is counted when it completes, which can be just after its answer reached the client.
        await().atMost(Duration.ofSeconds(10)).until(() -> f.fetch("/_edge/metrics").body()
                .contains("edge_requests_total{cache=\"HIT\"} 1.0"));
        Answer metrics = f.fetch("/_edge/metrics");
        assertThat(metrics.body())
                .contains("edge_requests_total{cache=\"HIT\"} 1.0")
                .contains("edge_requests_total{cache=\"MISS\"} 1.0")
                .contains("edge_origin_requests_total{result=\"2xx\"} 1.0")
                .contains("edge_origin_latency_seconds_bucket")
                .contains("edge_store_bytes")
                .contains("edge_store_entries 1.0")
                .contains("edge_store_evictions_total")
                .contains("edge_collapsed_waiters_total")
                .contains("edge_stale_served_total")
                .contains("edge_bytes_out_bytes_total");
        assertThat(admin("GET", "/_edge/health", null).code()).isEqualTo(200);
        f.call("GET", "/x", null, "Host", "unknown.test").close();
        await().atMost(Duration.ofSeconds(10)).until(() -> f.fetch("/_edge/metrics").body()
                .contains("edge_requests_total{cache=\"ERROR\"} 1.0"));
        String after = f.fetch("/_edge/metrics").body();
        assertThat(after).contains("edge_requests_total{cache=\"BYPASS\"} 0.0") // health, metrics, admin: not counted
                .contains("edge_requests_total{cache=\"ERROR\"} 1.0"); // the unknown host
    }

    @Test
    void theAdminListenersMetricsParseAsTheTextFormatWithoutATokenAndCarryJvmMeters() throws IOException {
        cache("/m", "metered");
        f.fetch("/m");
        await().atMost(Duration.ofSeconds(10)).until(() -> Scrape.of(f.client, URI.create(f.admin()
                + "/_edge/metrics")).sum("edge_requests_total", "cache", "HIT") > 0); // counted on completion
        Scrape scrape = Scrape.of(f.client, URI.create(f.admin() + "/_edge/metrics"));
        assertThat(scrape.value("edge_requests_total", "cache", "HIT")).isEqualTo(1);
        assertThat(scrape.value("edge_requests_total", "cache", "MISS")).isEqualTo(1);
        assertThat(scrape.value("edge_origin_requests_total", "result", "2xx")).isEqualTo(1);
        assertThat(scrape.value("edge_origin_latency_seconds_count")).isEqualTo(1);
        assertThat(scrape.type("edge_origin_latency_seconds")).contains("histogram");
        assertThat(scrape.value("edge_store_entries")).isEqualTo(1);
        assertThat(scrape.sum("jvm_memory_used_bytes", "area", "heap")).isPositive();
        assertThat(scrape.value("jvm_threads_live_threads")).isPositive();
        assertThat(scrape.value("process_uptime_seconds")).isPositive();
        assertThat(scrape.names()).contains("jvm_classes_loaded_classes", "process_cpu_usage", "jvm_info",
                "jvm_gc_memory_allocated_bytes_total");
    }
}
