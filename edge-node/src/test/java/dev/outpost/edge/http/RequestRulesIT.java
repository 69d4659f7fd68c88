package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.config.EdgeLimits;
import java.time.Duration;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How requests select, revalidate and invalidate stored responses, against a real origin, by the RFC rule each
 * test is named after (RFC 9111 §4.1, §4.3.2, §4.4; RFC 9110 §9.1, §12.5.4).
 */
class RequestRulesIT {
    private static final MediaType TEXT = MediaType.get("text/plain");
    private EdgeFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new EdgeFixture();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private void cacheVarying(String path, String body, String vary, String... requestHeaders) throws Exception {
        f.enqueue(f.ok(body, "max-age=600").setHeader("Vary", vary));
        assertThat(f.fetch(path, requestHeaders).xCache()).isEqualTo("MISS");
    }

    @Test
    void acceptLanguageSelectsAVariantWhateverItsOrderCaseAndWhitespace() throws Exception {
        cacheVarying("/lang", "en-de", "Accept-Language", "Accept-Language", "en, de");
        assertThat(f.fetch("/lang", "Accept-Language", "de, en").xCache()).isEqualTo("HIT");
        assertThat(f.fetch("/lang", "Accept-Language", " DE,EN ").xCache()).isEqualTo("HIT");
        f.enqueue(f.ok("other", "max-age=600").setHeader("Vary", "Accept-Language"));
        assertThat(f.fetch("/lang", "Accept-Language", "de, en;q=0.5").xCache()).isEqualTo("MISS");
    }

    @Test
    void aStoredVariantAnswersARequestThatRanksItsContentLanguageFirst() throws Exception {
        f.enqueue(f.ok("Hallo", "max-age=600").setHeader("Vary", "Accept-Language")
                .setHeader("Content-Language", "de"));
        f.fetch("/greeting", "Accept-Language", "de-DE, de;q=0.9, en;q=0.8");
        Answer sameFirstChoice = f.fetch("/greeting", "Accept-Language", "de, fr;q=0.3");
        assertThat(sameFirstChoice.xCache()).isEqualTo("HIT");
        assertThat(sameFirstChoice.body()).isEqualTo("Hallo");
        f.enqueue(f.ok("Bonjour", "max-age=600").setHeader("Vary", "Accept-Language")
                .setHeader("Content-Language", "fr"));
        assertThat(f.fetch("/greeting", "Accept-Language", "fr, de;q=0.9").body()).isEqualTo("Bonjour");
        assertThat(f.origin.getRequestCount()).isEqualTo(2);
    }

    @Test
    void whitespaceAndLineSplittingInOtherSelectingHeadersAreIgnored() throws Exception {
        cacheVarying("/foo", "foo", "Foo", "Foo", "1,2");
        assertThat(f.fetch("/foo", "Foo", " 1, 2 ").xCache()).isEqualTo("HIT");
        f.enqueue(f.ok("absent", "max-age=600").setHeader("Vary", "Foo"));
        assertThat(f.fetch("/foo").xCache()).isEqualTo("MISS"); // absence only matches absence
    }

    @Test
    void ifModifiedSinceIsAnswered304FromAFreshResponseWithoutLastModifiedUsingItsDate() throws Exception {
        String date = HttpDates.format(f.clock.instant());
        f.enqueue(new MockResponse.Builder().code(200).body("dated").setHeader("Date", date)
                .setHeader("Cache-Control", "max-age=600"));
        f.fetch("/dated");
        try (Response r = f.get("/dated", "If-Modified-Since", date)) {
            assertThat(r.code()).isEqualTo(304);
            assertThat(r.header("X-Cache")).isEqualTo("HIT");
        }
        String before = HttpDates.format(f.clock.instant().minus(Duration.ofMinutes(1)));
        assertThat(f.fetch("/dated", "If-Modified-Since", before).code()).isEqualTo(200);
    }

    @Test
    void anExtensionMethodIsPassedThroughAndASuccessfulOneInvalidatesTheUrl() throws Exception {
        f.enqueue(f.ok("v1", "max-age=600"));
        f.fetch("/doc");
        for (String method : List.of("M-SEARCH", "PROPPATCH", "PURGE")) {
            f.enqueue(new MockResponse.Builder().code(207).body("multi"));
            try (Response r = f.call(method, "/doc", RequestBody.create("abc", TEXT))) {
                assertThat(r.code()).as(method).isEqualTo(207);
            }
            f.takeOriginRequest();
            RecordedRequest seen = f.takeOriginRequest();
            assertThat(seen.getMethod()).isEqualTo(method);
            f.enqueue(f.ok("again", "max-age=600"));
            assertThat(f.fetch("/doc").xCache()).as(method).isEqualTo("MISS");
        }
    }

    @Test
    void aFailedUnsafeRequestLeavesTheStoredResponseAlone() throws Exception {
        f.enqueue(f.ok("kept", "max-age=600"));
        f.fetch("/kept");
        f.enqueue(new MockResponse.Builder().code(500).body("no"));
        try (Response r = f.call("POST", "/kept", RequestBody.create("abc", TEXT))) {
            assertThat(r.code()).isEqualTo(500);
        }
        assertThat(f.fetch("/kept").xCache()).isEqualTo("HIT");
    }

    @Test
    void optionsIsSafeAndNeverInvalidates() throws Exception {
        f.enqueue(f.ok("page", "max-age=600"));
        f.fetch("/page");
        f.enqueue(new MockResponse.Builder().code(204).setHeader("Allow", "GET, OPTIONS"));
        try (Response r = f.call("OPTIONS", "/page", null)) {
            assertThat(r.code()).isEqualTo(204);
            assertThat(r.header("Allow")).isEqualTo("GET, OPTIONS");
        }
        assertThat(f.fetch("/page").xCache()).isEqualTo("HIT");
    }

    @Test
    void locationAndContentLocationOfASuccessfulUnsafeRequestAreInvalidated() throws Exception {
        f.enqueue(f.ok("cart", "max-age=600"));
        f.fetch("/cart");
        f.enqueue(f.ok("item", "max-age=600"));
        f.fetch("/cart/items/7");
        f.enqueue(new MockResponse.Builder().code(201).setHeader("Location", "/cart")
                .setHeader("Content-Location", "http://assets.test/cart/items/7"));
        try (Response r = f.call("POST", "/cart/items", RequestBody.create("7", TEXT))) {
            assertThat(r.code()).isEqualTo(201);
        }
        f.enqueue(f.ok("cart2", "max-age=600"));
        assertThat(f.fetch("/cart").body()).isEqualTo("cart2");
        f.enqueue(f.ok("item2", "max-age=600"));
        assertThat(f.fetch("/cart/items/7").body()).isEqualTo("item2");
    }

    @Test
    void theKnownMethodAllowlistIsOptIn() throws Exception {
        try (EdgeFixture strict = new EdgeFixture(c -> c.withLimits(new EdgeLimits(null, null, null,
                List.of("GET", "HEAD", "POST"), null, null)))) {
            try (Response r = strict.call("M-SEARCH", "/m", null)) {
                assertThat(r.code()).isEqualTo(405);
                assertThat(r.header("Allow")).isEqualTo("GET, HEAD, POST");
            }
            assertThat(strict.origin.getRequestCount()).isZero();
        }
    }
}
