package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.cache.Fields;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CachingIT {
    private EdgeFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new EdgeFixture();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private void assertServedFromCache(String path, String body) throws Exception {
        Answer a = f.fetch(path);
        assertThat(a.xCache()).isEqualTo("HIT");
        assertThat(a.body()).isEqualTo(body);
    }

    @Test
    void missIsFetchedOnceStoredAndThenServedFromMemory() throws Exception {
        f.enqueue(f.ok("hello", "max-age=60"));
        Answer miss = f.fetch("/a.txt");
        assertThat(miss.code()).isEqualTo(200);
        assertThat(miss.body()).isEqualTo("hello");
        assertThat(miss.xCache()).isEqualTo("MISS");
        assertThat(miss.header("Cache-Status")).isEqualTo("Outpost; fwd=miss; fwd-status=200; stored");
        assertThat(miss.header("X-Served-By")).isEqualTo("edge-test");
        assertThat(miss.header("Age")).isEqualTo("0");
        assertServedFromCache("/a.txt", "hello");
        assertThat(f.origin.getRequestCount()).isEqualTo(1);
    }

    @Test
    void ageGrowsWithResidentTimeAndIncludesUpstreamAge() throws Exception {
        f.enqueue(f.ok("x", "max-age=100").setHeader("Age", "30"));
        f.fetch("/aged");
        f.clock.advance(Duration.ofSeconds(20));
        Answer hit = f.fetch("/aged");
        assertThat(hit.header("Age")).isEqualTo("50");
        assertThat(hit.header("Cache-Status")).isEqualTo("Outpost; hit; ttl=50");
        f.clock.advance(Duration.ofSeconds(50));
        f.enqueue(f.ok("y", "max-age=100"));
        assertThat(f.fetch("/aged").xCache()).isEqualTo("MISS"); // expired after 100 s of age, no validators
    }

    @Test
    void staleEntryIsRevalidatedWithItsValidatorsAndA304RefreshesIt() throws Exception {
        f.enqueue(f.ok("v1", "max-age=10").setHeader("ETag", "\"e1\"")
                .setHeader("Last-Modified", "Sat, 10 Jan 2026 10:00:00 GMT"));
        f.fetch("/r");
        f.takeOriginRequest();
        f.clock.advance(Duration.ofSeconds(11));
        f.enqueue(new MockResponse.Builder().code(304).setHeader("Cache-Control", "max-age=60")
                .setHeader("X-Version", "2"));
        Answer revalidated = f.fetch("/r");
        RecordedRequest conditional = f.takeOriginRequest();
        assertThat(conditional.getHeaders().get("If-None-Match")).isEqualTo("\"e1\"");
        assertThat(conditional.getHeaders().get("If-Modified-Since")).isEqualTo("Sat, 10 Jan 2026 10:00:00 GMT");
        assertThat(revalidated.xCache()).isEqualTo("REVALIDATED");
        assertThat(revalidated.body()).isEqualTo("v1");
        assertThat(revalidated.header("X-Version")).isEqualTo("2");
        f.clock.advance(Duration.ofSeconds(50));
        assertServedFromCache("/r", "v1");
    }

    @Test
    void clientConditionalRequestIsAnswered304FromCache() throws Exception {
        f.enqueue(f.ok("body", "max-age=60").setHeader("ETag", "\"e1\""));
        f.fetch("/c");
        Answer notModified = f.fetch("/c", "If-None-Match", "\"e1\"");
        assertThat(notModified.code()).isEqualTo(304);
        assertThat(notModified.body()).isEmpty();
        assertThat(notModified.xCache()).isEqualTo("HIT");
        assertThat(f.origin.getRequestCount()).isEqualTo(1);
    }

    @Test
    void headIsServedFromACachedGet() throws Exception {
        f.enqueue(f.ok("0123456789", "max-age=60"));
        f.fetch("/h");
        try (var r = f.call("HEAD", "/h", null)) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.header("Content-Length")).isEqualTo("10");
            assertThat(r.header("X-Cache")).isEqualTo("HIT");
        }
        assertThat(f.origin.getRequestCount()).isEqualTo(1);
    }

    @Test
    void headMissFetchesTheWholeObjectAsGet() throws Exception {
        f.enqueue(f.ok("0123456789", "max-age=60"));
        try (var r = f.call("HEAD", "/hm", null)) {
            assertThat(r.header("Content-Length")).isEqualTo("10");
        }
        assertThat(f.takeOriginRequest().getMethod()).isEqualTo("GET");
        // The HEAD is answered at the origin's head; the body is stored by the fill after it. A GET before that
        // joins the fetch (COLLAPSED), so wait for the store rather than race it.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> f.edge.store().lookup(EdgeFixture.key("/hm"), Fields.empty()).isPresent());
        assertServedFromCache("/hm", "0123456789");
    }

    @Test
    void rangeIsServedFromTheCachedObject() throws Exception {
        // 400 bytes: big enough that a two-part multipart answer is smaller than the object itself.
        f.enqueue(f.ok("0123456789".repeat(40), "max-age=60").setHeader("Content-Type", "text/plain"));
        f.fetch("/range");
        Answer single = f.fetch("/range", "Range", "bytes=2-4");
        assertThat(single.code()).isEqualTo(206);
        assertThat(single.body()).isEqualTo("234");
        assertThat(single.header("Content-Range")).isEqualTo("bytes 2-4/400");
        Answer multi = f.fetch("/range", "Range", "bytes=0-1,308-309"); // far enough apart to stay two parts
        assertThat(multi.code()).isEqualTo(206);
        assertThat(multi.header("Content-Type")).startsWith("multipart/byteranges; boundary=");
        assertThat(multi.body()).contains("Content-Range: bytes 0-1/400\r\n\r\n01")
                .contains("bytes 308-309/400\r\n\r\n89");
        Answer unsatisfiable = f.fetch("/range", "Range", "bytes=500-600");
        assertThat(unsatisfiable.code()).isEqualTo(416);
        assertThat(unsatisfiable.header("Content-Range")).isEqualTo("bytes */400");
        Answer overlapping = f.fetch("/range", "Range", "bytes=0-5,3-8");
        assertThat(overlapping.code()).isEqualTo(206); // merged into one part: no byte is sent twice
        assertThat(overlapping.header("Content-Range")).isEqualTo("bytes 0-8/400");
        assertThat(overlapping.body()).isEqualTo("012345678");
        Answer nearby = f.fetch("/range", "Range", "bytes=0-0,2-2,4-4,6-6,8-8");
        assertThat(nearby.code()).isEqualTo(206); // gaps far smaller than a part's headers: one part
        assertThat(nearby.header("Content-Range")).isEqualTo("bytes 0-8/400");
        Answer tiny = f.fetch("/range", "Range", "bytes=0-0,100-100,200-200,300-300");
        assertThat(tiny.code()).isEqualTo(200); // four parts' headers would outweigh the object
        assertThat(tiny.body()).hasSize(400);
        assertThat(f.origin.getRequestCount()).isEqualTo(1);
    }

    @Test
    void aRangeMissAsksTheOriginForTheRangeAndStoresAWholeAnswer() throws Exception {
        f.enqueue(f.ok("0123456789", "max-age=60")); // this origin ignores Range and answers whole
        Answer partial = f.fetch("/rm", "Range", "bytes=5-");
        assertThat(partial.code()).isEqualTo(206);
        assertThat(partial.body()).isEqualTo("56789");
        assertThat(f.takeOriginRequest().getHeaders().get("Range")).isEqualTo("bytes=5-");
        assertServedFromCache("/rm", "0123456789");
    }

    @Test
    void responseWithSetCookieIsNeverStored() throws Exception {
        assertNeverStored(f.ok("s", "max-age=60").setHeader("Set-Cookie", "session=1"), "set-cookie");
    }

    @Test
    void privateResponseIsNeverStored() throws Exception {
        assertNeverStored(f.ok("p", "private, max-age=60"), "private");
    }

    @Test
    void noStoreResponseIsNeverStored() throws Exception {
        assertNeverStored(f.ok("n", "no-store"), "no-store");
    }

    @Test
    void responseToAnAuthorizedRequestIsNeverStoredWithoutPublic() throws Exception {
        f.enqueue(f.ok("secret", "max-age=60"));
        Answer first = f.fetch("/auth", "Authorization", "Bearer u1");
        assertThat(first.body()).isEqualTo("secret");
        assertThat(f.takeOriginRequest().getHeaders().get("Authorization")).isEqualTo("Bearer u1");
        f.enqueue(f.ok("anonymous", "max-age=60"));
        assertThat(f.fetch("/auth").body()).isEqualTo("anonymous");
        assertThat(f.origin.getRequestCount()).isEqualTo(2);
    }

    private void assertNeverStored(MockResponse.Builder response, String reason) throws Exception {
        f.enqueue(response);
        Answer first = f.fetch("/never");
        assertThat(first.header("Cache-Status")).contains("detail=" + reason);
        f.enqueue(f.ok("second", "max-age=60"));
        Answer second = f.fetch("/never");
        assertThat(second.xCache()).isIn("BYPASS", "MISS");
        assertThat(second.body()).isEqualTo("second");
        assertThat(f.origin.getRequestCount()).isEqualTo(2);
    }

    @Test
    void noCacheIsStoredButRevalidatedOnEveryUse() throws Exception {
        f.enqueue(f.ok("nc", "no-cache").setHeader("ETag", "\"n1\""));
        f.fetch("/nc");
        f.enqueue(new MockResponse.Builder().code(304));
        Answer second = f.fetch("/nc");
        assertThat(second.xCache()).isEqualTo("REVALIDATED");
        assertThat(second.body()).isEqualTo("nc");
        assertThat(f.origin.getRequestCount()).isEqualTo(2);
    }

    @Test
    void notFoundIsCachedForTheNegativeTtl() throws Exception {
        f.enqueue(new MockResponse.Builder().code(404).body("gone?"));
        assertThat(f.fetch("/missing").code()).isEqualTo(404);
        Answer again = f.fetch("/missing");
        assertThat(again.code()).isEqualTo(404);
        assertThat(again.xCache()).isEqualTo("HIT");
        f.clock.advance(Duration.ofSeconds(10)); // default negativeTtl
        f.enqueue(f.ok("now here", "max-age=60"));
        assertThat(f.fetch("/missing").body()).isEqualTo("now here");
    }

    @Test
    void cdnCacheControlGovernsTheEdgeAndIsPassedOnWhileSurrogateFieldsAreConsumed() throws Exception {
        f.enqueue(f.ok("cdn", "max-age=5").setHeader("CDN-Cache-Control", "max-age=300")
                .setHeader("Surrogate-Key", "k1").setHeader("Surrogate-Control", "max-age=100"));
        Answer miss = f.fetch("/cdn");
        // RFC 9213 targets every CDN on the path: a CDN in front of this edge needs it too (browsers ignore it)
        assertThat(miss.header("CDN-Cache-Control")).isEqualTo("max-age=300");
        assertThat(miss.header("Surrogate-Key")).isNull();
        assertThat(miss.header("Surrogate-Control")).isNull();
        assertThat(miss.header("Cache-Control")).isEqualTo("max-age=5");
        f.clock.advance(Duration.ofSeconds(200));
        Answer hit = f.fetch("/cdn");
        assertThat(hit.xCache()).isEqualTo("HIT");
        assertThat(hit.header("CDN-Cache-Control")).isEqualTo("max-age=300");
        assertThat(hit.header("Surrogate-Control")).isNull();
    }

    @Test
    void varyStoresOneVariantPerNormalizedAcceptEncoding() throws Exception {
        f.enqueue(f.ok("brotli", "max-age=60").setHeader("Vary", "Accept-Encoding")
                .setHeader("Content-Encoding", "br"));
        f.fetch("/v", "Accept-Encoding", "gzip, deflate, br");
        assertThat(f.takeOriginRequest().getHeaders().get("Accept-Encoding")).isEqualTo("br");
        f.enqueue(f.ok("plain", "max-age=60").setHeader("Vary", "Accept-Encoding"));
        assertThat(f.fetch("/v", "Accept-Encoding", "identity").body()).isEqualTo("plain");
        assertThat(f.fetch("/v", "Accept-Encoding", "br").xCache()).isEqualTo("HIT");
        assertThat(f.fetch("/v", "Accept-Encoding", "identity").body()).isEqualTo("plain");
        assertThat(f.origin.getRequestCount()).isEqualTo(2);
    }

    @Test
    void queryParametersAreSortedAndTrackingParametersDropped() throws Exception {
        f.enqueue(f.ok("q", "max-age=60"));
        f.fetch("/q?b=2&a=1&utm_source=mail");
        assertThat(f.takeOriginRequest().getTarget()).isEqualTo("/q?a=1&b=2");
        assertThat(f.fetch("/q?a=1&b=2").xCache()).isEqualTo("HIT");
        assertThat(f.fetch("/q?utm_campaign=x&b=2&a=1").xCache()).isEqualTo("HIT");
    }

    @Test
    void unsafeMethodIsForwardedAndInvalidatesTheUrl() throws Exception {
        f.enqueue(f.ok("old", "max-age=600"));
        f.fetch("/doc");
        f.takeOriginRequest();
        f.enqueue(new MockResponse.Builder().code(204));
        try (var r = f.call("PUT", "/doc", RequestBody.create("new".getBytes()))) {
            assertThat(r.code()).isEqualTo(204);
            assertThat(r.header("X-Cache")).isEqualTo("BYPASS");
        }
        RecordedRequest put = f.takeOriginRequest();
        assertThat(put.getMethod()).isEqualTo("PUT");
        assertThat(put.getBody().utf8()).isEqualTo("new");
        f.enqueue(f.ok("new", "max-age=600"));
        assertThat(f.fetch("/doc").body()).isEqualTo("new");
    }

    @Test
    void unknownHostIsA404JsonAndNeverFetched() throws Exception {
        var request = new okhttp3.Request.Builder().url(f.edge.baseUri() + "/x").header("Host", "evil.test").build();
        try (var r = f.client.newCall(request).execute()) {
            assertThat(r.code()).isEqualTo(404);
            assertThat(r.body().string()).contains("\"error\":\"unknown_host\"");
        }
        assertThat(f.origin.getRequestCount()).isZero();
    }

    @Test
    void proxyHeadersAreRewrittenForTheOrigin() throws Exception {
        f.enqueue(f.ok("p", "max-age=60"));
        f.fetch("/proxy", "X-Forwarded-For", "10.0.0.1", "Connection", "X-Secret", "X-Secret", "1",
                "X-Unkeyed", "poison");
        RecordedRequest r = f.takeOriginRequest();
        assertThat(r.getHeaders().get("Host")).isEqualTo("127.0.0.1:" + f.origin.getPort());
        assertThat(r.getHeaders().get("Via")).isEqualTo("1.1 edge-test (Outpost)");
        // A cache fetch names only its direct client: the client's own chain is an unkeyed input.
        assertThat(r.getHeaders().get("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(r.getHeaders().get("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(r.getHeaders().get("X-Secret")).isNull(); // named by Connection: hop-by-hop
        // End-to-end headers reach the origin (a response that depends on one says so in Vary, which keys it).
        assertThat(r.getHeaders().get("X-Unkeyed")).isEqualTo("poison");
        assertThat(r.getHeaders().get("User-Agent")).startsWith("okhttp/");
    }

    @Test
    void hopByHopResponseHeadersAreStripped() throws Exception {
        f.enqueue(f.ok("h", "max-age=60").setHeader("Keep-Alive", "timeout=5").setHeader("Connection", "X-Internal")
                .setHeader("X-Internal", "1"));
        Answer a = f.fetch("/hop");
        assertThat(a.header("Keep-Alive")).isNull();
        assertThat(a.header("X-Internal")).isNull();
    }

    @Test
    void redirectsArePassedOnNotFollowedAndCachedByTheSameRules() throws Exception {
        f.enqueue(new MockResponse.Builder().code(301).setHeader("Location", "/elsewhere")
                .setHeader("Cache-Control", "max-age=60"));
        Answer redirect = f.fetch("/old");
        assertThat(redirect.code()).isEqualTo(301);
        assertThat(redirect.header("Location")).isEqualTo("/elsewhere");
        // An empty body ends the client's answer with its head, before the fill has stored it: a request in
        // between joins the fetch (COLLAPSED, no second origin request). Wait for the store, as the HEAD test does.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> f.edge.store().lookup(EdgeFixture.key("/old"), Fields.empty()).isPresent());
        assertThat(f.fetch("/old").xCache()).isEqualTo("HIT");
        assertThat(f.origin.getRequestCount()).isEqualTo(1);
    }

    @Test
    void lastModifiedGivesHeuristicFreshness() throws Exception {
        f.enqueue(new MockResponse.Builder().code(200).body("lm")
                .setHeader("Date", HttpDates.format(f.clock.instant()))
                .setHeader("Last-Modified", HttpDates.format(f.clock.instant().minus(Duration.ofHours(10)))));
        f.fetch("/lm");
        f.clock.advance(Duration.ofMinutes(59));
        assertServedFromCache("/lm", "lm");
    }
}
