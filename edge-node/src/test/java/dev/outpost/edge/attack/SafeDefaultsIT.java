package dev.outpost.edge.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.ListenerLimits;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.config.EdgeLimits;
import java.time.Duration;
import java.util.List;
import mockwebserver3.MockResponse;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * The edge's safe defaults ({@code limits.*}, {@code cache.maxVariantsPerUrl}) are on without configuration and
 * enforced: each test checks the answer, what the origin received, and what the store holds.
 */
class SafeDefaultsIT {
    @Test
    void defaultsAreTheDocumentedOnes() {
        EdgeLimits d = EdgeLimits.DEFAULTS;
        assertThat(d.listener().maxHeaderBytes()).isEqualTo(16 * 1024);
        assertThat(d.listener().requestParseTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.listener().idleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(d.listener().maxConnections()).isEqualTo(10_000);
        assertThat(d.listener().maxConnectionsPerClient()).isEqualTo(256);
        assertThat(d.listener().drainTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(d.maxApiBodyBytes()).isEqualTo(1024 * 1024);
        assertThat(d.maxRangeParts()).isEqualTo(16);
        assertThat(d.allowedMethods()).isEmpty(); // no allowlist: every method but TRACE and CONNECT goes on
        assertThat(d.maxOriginHeaderBytes()).isEqualTo(64 * 1024);
    }

    @Test
    void requestHeadsAbove16KiBAreRefusedWithA431NamingTheLimitAndNeverFetched() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("small", "max-age=60"));
            assertThat(f.fetch("/h", "X-Pad", "a".repeat(12 * 1024)).code()).isEqualTo(200);
            f.takeOriginRequest();
            RawHttp.Reply big = RawHttp.exchange(f.edge.port(), "GET /big HTTP/1.1\r\nHost: " + EdgeFixture.HOST
                    + "\r\nX-Pad: " + "a".repeat(17 * 1024) + "\r\n\r\n", Duration.ofSeconds(3));
            assertThat(big.closed()).isTrue();
            assertThat(big.statuses()).containsExactly(431);
            assertThat(big.text()).contains("\"header_too_large\"", "over this listener's limit of 16384");
            // past twice the limit Undertow's parser stops reading: its own bare 400, the connection closed
            RawHttp.Reply huge = RawHttp.exchange(f.edge.port(), "GET /huge HTTP/1.1\r\nHost: " + EdgeFixture.HOST
                    + "\r\nX-Pad: " + "a".repeat(40 * 1024) + "\r\n\r\n", Duration.ofSeconds(3));
            assertThat(huge.closed()).isTrue();
            assertThat(huge.statuses()).containsExactly(400);
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
            assertThat(f.edge.store().keys()).containsExactly("assets/h");
        }
    }

    @Test
    void traceAndConnectGet405AndNoFetchWhileExtensionMethodsGoOn() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            for (String method : List.of("TRACE", "CONNECT")) {
                String target = method.equals("CONNECT") ? "assets.test:80" : "/m";
                RawHttp.Reply r = RawHttp.exchange(f.edge.port(), method + " " + target + " HTTP/1.1\r\nHost: "
                        + EdgeFixture.HOST + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(3));
                assertThat(r.statuses()).as(method).containsAnyOf(405, 400);
            }
            try (Response r = f.call("TRACE", "/m", null)) {
                assertThat(r.code()).isEqualTo(405);
                assertThat(r.header("Allow")).isEqualTo("GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE");
            }
            assertThat(f.origin.getRequestCount()).isZero();
            for (String method : List.of("PROPFIND", "FOO")) {
                f.enqueue(new MockResponse.Builder().code(207).body("ok"));
                try (Response r = f.call(method, "/m", null)) {
                    assertThat(r.code()).as(method).isEqualTo(207);
                }
                assertThat(f.takeOriginRequest().getMethod()).isEqualTo(method);
            }
        }
    }

    @Test
    void allowedMethodsAreConfigurable() throws Exception {
        try (EdgeFixture f = new EdgeFixture(c -> c.withLimits(new EdgeLimits(null, null, null,
                List.of("GET", "HEAD"), null, null)))) {
            try (Response r = f.call("POST", "/m", RequestBody.create("x", MediaType.get("text/plain")))) {
                assertThat(r.code()).isEqualTo(405);
            }
            assertThat(f.origin.getRequestCount()).isZero();
        }
    }

    @Test
    void oversizedOriginHeadersGive502AndAreNotStored() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            f.enqueue(f.ok("big", "max-age=60").setHeader("X-Big", "a".repeat(70 * 1024)));
            Answer a = f.fetch("/bighead");
            assertThat(a.code()).isEqualTo(502);
            assertThat(a.body()).doesNotContain("aaaa");
            assertThat(f.edge.store().keys()).isEmpty();
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
        }
    }

    @Test
    void malformedOriginHeadersGive502AndAreNotStored() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            List<MockResponse.Builder> bad = List.of(
                    f.ok("nul", "max-age=60").addHeaderLenient("X-Bad", "a\u0000b"),
                    f.ok("ctl", "max-age=60").addHeaderLenient("X-Bad", "a\u0001b"),
                    f.ok("cr", "max-age=60").addHeaderLenient("X-Bad", "a\rb"),
                    f.ok("fold", "max-age=60").addHeaderLenient("X-Fold", "a\r\n b"),
                    f.ok("name", "max-age=60").addHeaderLenient("X Bad", "b"),
                    f.ok("name2", "max-age=60").addHeaderLenient("X-B\u00e4d", "b"));
            for (int i = 0; i < bad.size(); i++) {
                f.enqueue(bad.get(i));
                Answer a = f.fetch("/badhead/" + i);
                assertThat(a.code()).as("case " + i).isEqualTo(502);
            }
            assertThat(f.edge.store().keys()).isEmpty();
            assertThat(f.origin.getRequestCount()).isEqualTo(bad.size());
        }
    }

    @Test
    void adminJsonBodiesAboveTheLimitGet413() throws Exception {
        try (EdgeFixture f = new EdgeFixture(c -> c.withLimits(new EdgeLimits(null, 2048, null, null, null,
                null)))) {
            String json = "{\"urls\":[\"http://assets.test/" + "a".repeat(4096) + "\"]}";
            Request request = new Request.Builder().url(f.admin() + "/_edge/purge")
                    .header("Authorization", "Bearer " + EdgeFixture.ADMIN_TOKEN)
                    .post(RequestBody.create(json, MediaType.get("application/json"))).build();
            try (Response r = f.client.newCall(request).execute()) {
                assertThat(r.code()).isEqualTo(413);
                assertThat(r.body().string()).contains("body_too_large");
            }
        }
    }

    @Test
    void varyVariantsPerUrlAreBounded() throws Exception {
        try (EdgeFixture f = new EdgeFixture()) {
            for (int i = 0; i < 40; i++) {
                f.enqueue(f.ok("v" + i, "max-age=600").setHeader("Vary", "Accept-Language"));
                assertThat(f.fetch("/vary", "Accept-Language", "l" + i).code()).isEqualTo(200);
            }
            assertThat(f.edge.store().objects()).hasSize(8);
            assertThat(f.origin.getRequestCount()).isEqualTo(40);
        }
    }

    @Test
    void rangePartsAreConfigurable() throws Exception {
        try (EdgeFixture f = new EdgeFixture(c -> c.withLimits(new EdgeLimits(null, null, 2, null, null,
                null)))) {
            f.enqueue(f.ok("0123456789".repeat(40), "max-age=600"));
            assertThat(f.fetch("/r", "Range", "bytes=0-0,2-2").code()).isEqualTo(206);
            Answer three = f.fetch("/r", "Range", "bytes=0-0,2-2,4-4");
            assertThat(three.code()).isEqualTo(200);
            assertThat(three.body()).isEqualTo("0123456789".repeat(40));
            assertThat(f.origin.getRequestCount()).isEqualTo(1);
        }
    }

    @Test
    void badLimitsFailNamingTheKey() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new EdgeLimits(null, null, null,
                List.of("GET", "HEAD", "TRACE"), null, null)).hasMessageContaining("limits.allowedMethods");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EdgeLimits.of(new ListenerLimits(100, null, null,
                null, null, null, null))).hasMessageContaining("maxHeaderBytes must be >= 1024");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EdgeLimits.of(new ListenerLimits(null, null, null,
                null, null, null, Duration.ofSeconds(-1)))).hasMessageContaining("drainTimeout");
    }
}
