package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.common.service.DeliveryService;
import java.time.Duration;
import java.util.List;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;

/** Rules beyond the basic flow: per-service options, Authorization, Vary, malformed requests. */
class RulesIT {
    @Test
    void setCookieResponsesAreStoredWithoutTheCookieWhenTheServiceAllowsIt() throws Exception {
        try (EdgeFixture f = new EdgeFixture(c -> c.withServices(List.of(withSetCookie(c.services().get(0)))))) {
            f.enqueue(f.ok("c", "max-age=60").setHeader("Set-Cookie", "session=1"));
            Answer miss = f.fetch("/sc");
            assertThat(miss.header("Cache-Status")).endsWith("stored");
            Answer hit = f.fetch("/sc");
            assertThat(hit.xCache()).isEqualTo("HIT");
            assertThat(hit.header("Set-Cookie")).isNull();
        }
    }

    private static DeliveryService withSetCookie(DeliveryService s) {
        return s.withCacheSetCookie(true);
    }

    @Test
    void authorizedRequestResponseMarkedPublicIsStored() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("shared", "public, max-age=60"));
            f.fetch("/pub", "Authorization", "Bearer u1");
            Answer anonymous = f.fetch("/pub");
            assertThat(anonymous.xCache()).isEqualTo("HIT");
            assertThat(anonymous.body()).isEqualTo("shared");
        }
    }

    @Test
    void varyStarIsNeverStored() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("star", "max-age=60").setHeader("Vary", "*"));
            assertThat(f.fetch("/star").header("Cache-Status")).contains("detail=vary-star");
            f.enqueue(f.ok("star2", "max-age=60").setHeader("Vary", "*"));
            assertThat(f.fetch("/star").body()).isEqualTo("star2");
        }
    }

    @Test
    void purgeOfAUrlRemovesEveryVariant() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            for (String lang : new String[] {"de", "fr"}) {
                f.enqueue(f.ok(lang, "max-age=600").setHeader("Vary", "Accept-Language"));
                assertThat(f.fetch("/i18n", "Accept-Language", lang).body()).isEqualTo(lang);
            }
            assertThat(f.fetch("/i18n", "Accept-Language", "fr").xCache()).isEqualTo("HIT");
            assertThat(f.edge.purger().purge(new dev.outpost.common.wire.EdgePurge(
                    List.of("http://assets.test/i18n"), null, null, null, null, null)).removed()).isEqualTo(2);
            f.enqueue(f.ok("de2", "max-age=600").setHeader("Vary", "Accept-Language"));
            assertThat(f.fetch("/i18n", "Accept-Language", "de").body()).isEqualTo("de2");
        }
    }

    @Test
    void clientIfModifiedSinceIsAnswered304FromCache() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            String lastModified = HttpDates.format(f.clock.instant().minus(Duration.ofHours(1)));
            f.enqueue(f.ok("lm", "max-age=60").setHeader("Last-Modified", lastModified));
            f.fetch("/ims");
            assertThat(f.fetch("/ims", "If-Modified-Since", lastModified).code()).isEqualTo(304);
            assertThat(f.fetch("/ims", "If-Modified-Since",
                    HttpDates.format(f.clock.instant().minus(Duration.ofHours(2)))).code()).isEqualTo(200);
        }
    }

    @Test
    void deleteIsForwardedAndInvalidatesTheUrl() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("here", "max-age=600"));
            f.fetch("/del");
            f.enqueue(new MockResponse.Builder().code(200).body("deleted"));
            try (var r = f.call("DELETE", "/del", null)) {
                assertThat(r.code()).isEqualTo(200);
            }
            f.enqueue(new MockResponse.Builder().code(404));
            assertThat(f.fetch("/del").code()).isEqualTo(404);
            assertThat(f.origin.getRequestCount()).isEqualTo(3);
        }
    }

    @Test
    void failedUnsafeRequestDoesNotInvalidate() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("kept", "max-age=600"));
            f.fetch("/keep");
            f.enqueue(new MockResponse.Builder().code(403).body("no"));
            try (var r = f.call("POST", "/keep", okhttp3.RequestBody.create(new byte[0]))) {
                assertThat(r.code()).isEqualTo(403);
            }
            assertThat(f.fetch("/keep").xCache()).isEqualTo("HIT");
        }
    }

    @Test
    void responsesCarryViaWithTheEdgeId() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("v", "max-age=60"));
            assertThat(f.fetch("/via").headers().values("Via")).contains("1.1 edge-test (Outpost)");
        }
    }

    @Test
    void malformedPercentEscapeIsA400() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            Answer a = f.fetch("/bad%zzpath");
            assertThat(a.code()).isEqualTo(400);
            assertThat(f.origin.getRequestCount()).isZero();
        }
    }

    @Test
    void hitForPassRequestsAreProxiedWithTheClientsHeadersAndNeverStored() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("first", "private").setHeader("Set-Cookie", "s=1"));
            f.fetch("/me", "Via", "1.1 upstream");
            assertThat(f.takeOriginRequest().getHeaders().get("Via")).isEqualTo("1.1 edge-test (Outpost)"); // the edge's own
            f.enqueue(f.ok("second", "max-age=60"));
            Answer pass = f.fetch("/me", "Via", "1.1 upstream");
            assertThat(pass.xCache()).isEqualTo("BYPASS");
            assertThat(pass.header("Cache-Status")).contains("fwd=bypass").contains("detail=hit-for-pass");
            // a plain proxy request: the client's chain is extended
            assertThat(f.takeOriginRequest().getHeaders().get("Via")).isEqualTo("1.1 upstream, 1.1 edge-test (Outpost)");
            f.enqueue(f.ok("third", "max-age=60"));
            assertThat(f.fetch("/me").body()).isEqualTo("third"); // nothing was stored
        }
    }

    @Test
    void absoluteFormRequestTargetIsKeyedAndFetchedByItsPath() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("abs", "max-age=60").setHeader("ETag", "\"a\"").setHeader("content-type", "text/plain"));
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", f.edge.port())) {
                socket.getOutputStream().write(("GET http://assets.test/abs?b=2&a=1 HTTP/1.1\r\nHost: assets.test\r\n"
                        + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String response = new String(socket.getInputStream().readAllBytes(),
                        java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(response).startsWith("HTTP/1.1 200").endsWith("abs")
                        .contains("\r\nETag: \"a\"\r\n").contains("\r\nContent-Type: text/plain\r\n");
            }
            assertThat(f.takeOriginRequest().getTarget()).isEqualTo("/abs?a=1&b=2");
            assertThat(f.fetch("/abs?a=1&b=2").xCache()).isEqualTo("HIT");
        }
    }
}
