package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.testkit.FakeOrigin;
import dev.outpost.testkit.ManualClock;
import java.io.IOException;
import java.util.List;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class StoreLimitsIT {
    private static final long MAX_BYTES = 100_000;
    private static final long MAX_OBJECT = 10_000;

    private static EdgeFixture smallStore() throws IOException {
        return new EdgeFixture(c -> c.withCache(CacheConfig.ofSize(MAX_BYTES, MAX_OBJECT)));
    }

    @Test
    void loadingTenTimesTheStoreKeepsCachedBytesWithinTheLimitPlusOneObject() throws Exception {
        try (EdgeFixture f = smallStore()) {
            String body = "x".repeat(8_000);
            f.origin.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    return new MockResponse.Builder().body(body).setHeader("Cache-Control", "max-age=600")
                            .setHeader("Date", HttpDates.format(f.clock.instant())).build();
                }
            });
            long loaded = 0;
            for (int i = 0; loaded < 10 * MAX_BYTES; i++) { // bounded: 125 requests
                Answer a = f.fetch("/load/" + i);
                assertThat(a.code()).isEqualTo(200);
                loaded += a.body().length();
                assertThat(f.edge.store().bytes()).isLessThanOrEqualTo(MAX_BYTES + MAX_OBJECT + 1024);
            }
            // Each URL is asked for once: once the store is full, a newcomer is no more frequent than what it would
            // displace, so the admission turns it away (or, on an estimate's collision, evicts for it).
            assertThat(f.edge.store().evictions() + f.edge.store().refusedByAdmission()).isPositive();
            assertThat(f.edge.store().entries()).isLessThan(125);
        }
    }

    @Test
    void objectLargerThanMaxObjectBytesIsStreamedThroughNotStored() throws Exception {
        try (EdgeFixture f = smallStore()) {
            String big = "b".repeat(20_000);
            f.enqueue(f.ok(big, "max-age=60"));
            Answer first = f.fetch("/big");
            assertThat(first.body()).isEqualTo(big);
            assertThat(first.header("Cache-Status")).contains("detail=too-large");
            f.enqueue(f.ok(big, "max-age=60"));
            assertThat(f.fetch("/big").body()).isEqualTo(big);
            assertThat(f.origin.getRequestCount()).isEqualTo(2);
        }
    }

    @Test
    void rangeOnAnObjectTooLargeToStoreIsAnsweredByTheOrigin() throws Exception {
        try (EdgeFixture f = smallStore()) {
            String big = "0123456789".repeat(2_000);
            f.origin.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    String range = request.getHeaders().get("Range");
                    if (range == null) {
                        return new MockResponse.Builder().body(big).setHeader("Cache-Control", "max-age=60").build();
                    }
                    return new MockResponse.Builder().code(206).body("234")
                            .setHeader("Content-Range", "bytes 2-4/" + big.length()).build();
                }
            });
            Answer partial = f.fetch("/huge", "Range", "bytes=2-4");
            assertThat(partial.code()).isEqualTo(206);
            assertThat(partial.body()).isEqualTo("234");
            assertThat(partial.header("Content-Range")).isEqualTo("bytes 2-4/20000");
        }
    }

    @Test
    void aCloseDelimitedResponseIsStreamedThroughNotStored() throws Exception {
        // Its end is only the connection's: a cut-short body would look complete, so it is never stored.
        try (FakeOrigin origin = FakeOrigin.start(request -> zeros(12).closeDelimited())) {
            DeliveryService service = DeliveryService.of("t", List.of("t.test"), List.of(origin.uri()));
            try (EdgeNode edge = EdgeNode.start(EdgeConfig.of("edge-t", "127.0.0.1:0", service), new ManualClock())) {
                OkHttpClient client = new OkHttpClient();
                Request request = new Request.Builder().url(edge.baseUri() + "/t").header("Host", "t.test").build();
                try (Response r = client.newCall(request).execute()) {
                    assertThat(r.body().bytes()).hasSize(12);
                    assertThat(r.header("Cache-Status")).contains("detail=unknown-length");
                }
                assertThat(edge.store().entries()).isZero();
                client.connectionPool().evictAll();
            }
        }
    }

    @Test
    void aChunkedBodyCutBeforeItsLastChunkIsNeverStoredAndTheClientSeesTheAbort() throws Exception {
        assertTruncationAborts(request -> zeros(51).chunked().cutAt(50)); // one chunk of 50, then no last chunk
    }

    @Test
    void truncatedOriginBodyIsNeverStoredAndTheClientSeesTheAbort() throws Exception {
        assertTruncationAborts(request -> zeros(100).cutAt(50));
    }

    @Test
    void truncatedStreamedBodyAbortsTheClientMidway() throws Exception {
        assertTruncationAborts(request -> zeros(50_000).cutAt(20_000));
    }

    /** An origin answer of {@code length} zero bytes, fresh for a minute. */
    private static FakeOrigin.Answer zeros(int length) {
        return FakeOrigin.Answer.ok(new byte[length]).header("Cache-Control", "max-age=60");
    }

    /** The origin answers as {@code cutShort} says (a body cut before its end): the client sees the abort. */
    private static void assertTruncationAborts(FakeOrigin.Responder cutShort) throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(cutShort)) {
            DeliveryService service = DeliveryService.of("t", List.of("t.test"), List.of(origin.uri()));
            EdgeConfig config = EdgeConfig.of("edge-t", "127.0.0.1:0", service)
                    .withCache(CacheConfig.ofSize(MAX_BYTES, MAX_OBJECT));
            OkHttpClient client = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
            try (EdgeNode edge = EdgeNode.start(config, new ManualClock())) {
                Request request = new Request.Builder().url(edge.baseUri() + "/t").header("Host", "t.test").build();
                assertThatThrownBy(() -> {
                    try (Response r = client.newCall(request).execute()) {
                        r.body().bytes();
                    }
                }).isInstanceOf(IOException.class);
                assertThat(edge.store().lookup("t/t", Fields.empty())).isEmpty();
                assertThat(edge.store().entries()).isZero();
            } finally {
                client.connectionPool().evictAll();
            }
        }
    }
}
