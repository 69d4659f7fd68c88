package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.Fields;
import java.time.Duration;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the edge stores and reuses, against a real origin, by the RFC rule each test is named after (RFC 9111 §3,
 * §4.2, §5.1; RFC 9110 §5.6.7, §15.2; RFC 9213).
 */
class StorageRulesIT {
    private EdgeFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new EdgeFixture();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private MockResponse.Builder response(int status, String body) {
        return new MockResponse.Builder().code(status).body(body).setHeader("Date", HttpDates.format(f.clock.instant()));
    }

    @Test
    void aResponseWithExplicitFreshnessIsReusedWhateverItsStatusServerErrorsIncluded() throws Exception {
        for (int status : new int[] {500, 502, 503, 504, 599}) {
            f.enqueue(response(status, "error " + status).setHeader("Cache-Control", "max-age=60"));
            Answer miss = f.fetch("/e" + status);
            assertThat(miss.code()).isEqualTo(status);
            assertThat(miss.header("Cache-Status")).as("%d", status).endsWith("stored");
            Answer hit = f.fetch("/e" + status);
            assertThat(hit.xCache()).as("%d", status).isEqualTo("HIT");
            assertThat(hit.code()).isEqualTo(status);
            assertThat(hit.body()).isEqualTo("error " + status);
        }
        f.clock.advance(Duration.ofSeconds(61)); // stale: never reused, asked again
        f.enqueue(response(200, "back").setHeader("Cache-Control", "max-age=60"));
        assertThat(f.fetch("/e500").body()).isEqualTo("back");
    }

    @Test
    void aServerErrorWithExplicitFreshnessNeverReplacesACopyStaleIfErrorLetsAnswer() throws Exception {
        f.enqueue(response(200, "good").setHeader("Cache-Control", "max-age=10, stale-if-error=600"));
        f.fetch("/keep");
        f.clock.advance(Duration.ofSeconds(20));
        f.enqueue(response(503, "down").setHeader("Cache-Control", "max-age=60"));
        Answer stale = f.fetch("/keep");
        assertThat(stale.body()).isEqualTo("good");
        assertThat(stale.xCache()).isEqualTo("STALE");
        assertThat(stored("/keep").status()).isEqualTo(200);
    }

    @Test
    void aHeuristicallyCacheableStatusGetsHeuristicFreshness() throws Exception {
        String lastModified = HttpDates.format(f.clock.instant().minus(Duration.ofDays(1)));
        f.enqueue(response(501, "not implemented").setHeader("Last-Modified", lastModified));
        assertThat(f.fetch("/h501").header("Cache-Status")).endsWith("stored");
        f.clock.advance(Duration.ofMinutes(100)); // within 10 % of a day
        assertThat(f.fetch("/h501").xCache()).isEqualTo("HIT");
        f.enqueue(response(502, "bad gateway").setHeader("Last-Modified", lastModified));
        assertThat(f.fetch("/h502").header("Cache-Status")).doesNotContain("stored");
    }

    @Test
    void theFirstMemberOfAnAgeListDatesTheResponse() throws Exception {
        f.enqueue(response(200, "old").setHeader("Cache-Control", "max-age=3600").setHeader("Age", "7200, 0"));
        f.fetch("/age");
        f.enqueue(response(200, "new").setHeader("Cache-Control", "max-age=3600").setHeader("Age", "10"));
        Answer next = f.fetch("/age");
        assertThat(next.xCache()).isEqualTo("MISS");
        assertThat(next.body()).isEqualTo("new");
        assertThat(f.fetch("/age").header("Age")).isEqualTo("10");

        f.enqueue(response(200, "young").setHeader("Cache-Control", "max-age=3600").addHeader("Age", "0")
                .addHeader("Age", "7200"));
        f.fetch("/age-lines");
        Answer hit = f.fetch("/age-lines");
        assertThat(hit.xCache()).isEqualTo("HIT");
        assertThat(hit.header("Age")).isEqualTo("0");
    }

    @Test
    void anInvalidAgeIsIgnoredSoTheResponseIsReusedWhileFresh() throws Exception {
        f.enqueue(response(200, "word").setHeader("Cache-Control", "max-age=3600").setHeader("Age", "abc"));
        f.fetch("/age-word");
        f.clock.advance(Duration.ofSeconds(5));
        Answer hit = f.fetch("/age-word");
        assertThat(hit.xCache()).isEqualTo("HIT");
        assertThat(hit.body()).isEqualTo("word");
        assertThat(hit.header("Age")).isEqualTo("5");
    }

    @Test
    void aFutureExpiresInAnyLetterCaseGivesFreshness() throws Exception {
        f.enqueue(response(200, "e").setHeader("Expires", "THU, 18 AUG 2050 02:01:18 gmt"));
        f.fetch("/expires");
        f.clock.advance(Duration.ofDays(365));
        assertThat(f.fetch("/expires").xCache()).isEqualTo("HIT");
    }

    @Test
    void aOkResponseCarryingContentRangeIsRelayedAndStoredAsAOkResponse() throws Exception {
        f.enqueue(response(200, "0123456789").setHeader("Cache-Control", "max-age=60")
                .setHeader("Content-Range", "bytes 0-9/10"));
        Answer miss = f.fetch("/cr");
        assertThat(miss.code()).isEqualTo(200);
        assertThat(miss.body()).isEqualTo("0123456789");
        Answer hit = f.fetch("/cr");
        assertThat(hit.code()).isEqualTo(200);
        assertThat(hit.xCache()).isEqualTo("HIT");
        assertThat(stored("/cr").status()).isEqualTo(200);
    }

    @Test
    void aChunkedResponseIsStoredLikeAnyOtherWithoutTransferEncoding() throws Exception {
        f.enqueue(response(200, "").setHeader("Cache-Control", "max-age=60").chunkedBody("chunk".repeat(5000), 1000));
        Answer miss = f.fetch("/chunked");
        assertThat(miss.body()).isEqualTo("chunk".repeat(5000));
        // Relayed as it arrives: whether it fits is known only at its end, so the head does not say "stored".
        assertThat(miss.header("Cache-Status")).isEqualTo("Outpost; fwd=miss; fwd-status=200");
        Answer hit = f.fetch("/chunked");
        assertThat(hit.xCache()).isEqualTo("HIT");
        assertThat(hit.header("Transfer-Encoding")).isNull();
        assertThat(hit.header("Content-Length")).isEqualTo("25000");
        assertThat(stored("/chunked").headers().has("transfer-encoding")).isFalse();
        assertThat(f.origin.getRequestCount()).isEqualTo(1);
    }

    @Test
    void aChunkedResponseLargerThanTheObjectLimitIsRelayedWholeAndNotStored() throws Exception {
        try (EdgeFixture small = new EdgeFixture(c -> c.withCache(
                dev.outpost.edge.config.CacheConfig.ofSize(1_000_000, 1000)))) {
            small.enqueue(small.ok("", "max-age=60").chunkedBody("x".repeat(5000), 700));
            Answer a = small.fetch("/big");
            assertThat(a.body()).isEqualTo("x".repeat(5000));
            assertThat(a.header("Cache-Status")).doesNotContain("stored");
            assertThat(small.edge.store().keys()).isEmpty();

        }
    }

    @Test
    void cdnCacheControlPrivateOrNoCacheHoldsEvenWhenCacheControlAllowsStoring() throws Exception {
        f.enqueue(response(200, "p").setHeader("Cache-Control", "max-age=10000")
                .setHeader("CDN-Cache-Control", "private"));
        assertThat(f.fetch("/cdn-private").header("Cache-Status")).contains("detail=private");
        f.enqueue(response(200, "p2").setHeader("Cache-Control", "max-age=10000"));
        assertThat(f.fetch("/cdn-private").body()).isEqualTo("p2");

        f.enqueue(response(200, "n").setHeader("Cache-Control", "max-age=10000").setHeader("ETag", "\"n1\"")
                .setHeader("CDN-Cache-Control", "no-cache"));
        f.fetch("/cdn-no-cache");
        f.enqueue(new MockResponse.Builder().code(304).setHeader("ETag", "\"n1\""));
        assertThat(f.fetch("/cdn-no-cache").xCache()).isEqualTo("REVALIDATED"); // every use asks the origin
        assertThat(f.origin.getRequestCount()).isEqualTo(4);
    }

    @Test
    void aValidCdnCacheControlReplacesCacheControlAndAnInvalidOneIsIgnoredAsAWhole() throws Exception {
        f.enqueue(response(200, "cdn").setHeader("Cache-Control", "no-store")
                .setHeader("CDN-Cache-Control", "max-age=10000"));
        f.fetch("/cdn-fresh");
        assertThat(f.fetch("/cdn-fresh").xCache()).isEqualTo("HIT");

        f.enqueue(response(200, "wrong type").setHeader("Cache-Control", "no-store")
                .setHeader("CDN-Cache-Control", "max-age=\"10000\""));
        assertThat(f.fetch("/cdn-invalid").header("Cache-Status")).contains("detail=no-store");
    }

    @Test
    void anInterimResponseIsNeverStoredNorLeaksHeadersIntoTheFinalOne() throws Exception {
        f.enqueue(response(200, "final").setHeader("Cache-Control", "max-age=60")
                .addInformationalResponse(new MockResponse.Builder().code(103)
                        .setHeader("Link", "</style.css>; rel=preload; as=style").setHeader("X-Interim", "1").build()));
        Answer miss = f.fetch("/hints");
        assertThat(miss.code()).isEqualTo(200);
        assertThat(miss.body()).isEqualTo("final");
        Answer hit = f.fetch("/hints");
        assertThat(hit.xCache()).isEqualTo("HIT");
        assertThat(hit.code()).isEqualTo(200);
        assertThat(hit.header("X-Interim")).isNull();
        assertThat(hit.header("Link")).isNull();
        assertThat(stored("/hints").headers().has("x-interim")).isFalse();
    }

    private CachedObject stored(String path) {
        return f.edge.store().lookup(EdgeFixture.key(path), Fields.empty()).orElseThrow();
    }
}
