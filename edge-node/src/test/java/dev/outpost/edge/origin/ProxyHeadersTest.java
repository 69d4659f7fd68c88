package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.trace.TraceContext;
import dev.outpost.edge.cache.CachePolicy;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.common.service.RequestHeaderRules;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProxyHeadersTest {
    private static final RequestHeaderRules ALL = RequestHeaderRules.DEFAULTS;
    private final ProxyHeaders.Client client = new ProxyHeaders.Client("192.0.2.7", "https");

    /** End-to-end headers a real client sends; each must reach the origin on a fetch for the cache. */
    private static final Fields END_TO_END = Fields.of("Accept", "text/css", "Accept-Language", "de",
            "Origin", "https://app.example", "X-Device", "mobile", "X-Api-Key", "k1", "Cookie", "s=1",
            "Authorization", "Bearer t", "User-Agent", "Mozilla/5.0", "Referer", "https://app.example/",
            "X-Requested-With", "XMLHttpRequest", "Cache-Control", "no-cache",
            "Max-Forwards", "3");

    /** Headers never sent upstream, with a hop-by-hop one the client's Connection names. */
    private static final Fields WITHHELD = Fields.of("Connection", "keep-alive, X-Hop", "X-Hop", "1",
            "Keep-Alive", "timeout=5", "TE", "trailers", "Upgrade", "h2c", "Proxy-Authorization", "Basic x",
            "X-Forwarded-Host", "evil", "X-Forwarded-Prefix", "/evil", "X-Forwarded-Anything", "x",
            "X-Original-URL", "/admin", "X-HTTP-Method-Override", "DELETE", "Forwarded", "host=evil",
            "X-Real-IP", "10.0.0.1", "True-Client-IP", "10.0.0.2", "X_Forwarded_Host", "evil",
            "Transfer_Encoding", "chunked", "Content_Length", "5", "X_Custom", "1");

    private static Fields merged(Fields... parts) {
        Fields.Builder b = Fields.builder();
        for (Fields part : parts) {
            part.forEach(b::add);
        }
        return b.build();
    }

    @Test
    void everyRequestUpstreamCarriesTheEdgesSpanAsTheParentInsteadOfTheClientsTraceparent() {
        TraceContext edgeSpan = TraceContext.receive(List.of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
                List.of("vendor=abc"));
        ProxyHeaders.Client traced = new ProxyHeaders.Client("192.0.2.7", "https", Optional.of(edgeSpan));
        Fields request = Fields.of("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                "Tracestate", "vendor=abc", "Accept", "text/css");
        for (Fields sent : List.of(ProxyHeaders.forCacheFetch(request, Optional.empty(), traced, "e1", ALL),
                ProxyHeaders.forCacheFetch(request, Optional.of(stale("Accept")), traced, "e1", ALL),
                ProxyHeaders.forCacheFetch(request, Optional.empty(), traced, "e1",
                        new RequestHeaderRules("listed", null, List.of())),
                ProxyHeaders.forPassThrough(request, traced, "e1", ALL))) {
            assertThat(sent.all("traceparent")).containsExactly(edgeSpan.traceparent());
            assertThat(edgeSpan.traceparent()).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-"
                    + edgeSpan.spanId() + "-01");
            assertThat(sent.all("tracestate")).containsExactly("vendor=abc");
        }
    }

    @Test
    void theEdgesOwnRequestsStartATraceEach() {
        Fields first = ProxyHeaders.forCacheFetch(Fields.empty(), Optional.empty(), client, "e1", ALL);
        Fields second = ProxyHeaders.forCacheFetch(Fields.empty(), Optional.empty(), client, "e1", ALL);
        assertThat(first.first("traceparent")).hasValueSatisfying(v -> assertThat(v)
                .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"));
        assertThat(first.first("traceparent")).isNotEqualTo(second.first("traceparent"));
        assertThat(first.has("tracestate")).isFalse();
    }

    @Test
    void aFetchForTheCacheForwardsEveryEndToEndHeader() {
        Fields sent = ProxyHeaders.forCacheFetch(END_TO_END, Optional.empty(), client, "e1", ALL);
        END_TO_END.forEach((name, value) -> assertThat(sent.all(name)).as(name).contains(value));
    }

    @Test
    void hopByHopOverrideForwardingAddressAndUnderscoreHeadersNeverGoUpstream() {
        Fields request = merged(END_TO_END, WITHHELD);
        for (Fields sent : List.of(ProxyHeaders.forCacheFetch(request, Optional.empty(), client, "e1", ALL),
                ProxyHeaders.forPassThrough(request, client, "e1", ALL))) {
            WITHHELD.names().forEach(name -> assertThat(sent.has(name)).as(name).isFalse());
            assertThat(sent.first("x-device")).contains("mobile");
        }
    }

    @Test
    void aFetchForTheCacheSendsTheEdgesValidatorsNeverTheClients() {
        Fields request = Fields.of("If-None-Match", "\"mine\"", "If-Modified-Since", "Sat, 10 Jan 2026 10:00:00 GMT",
                "If-Match", "\"m\"", "If-Unmodified-Since", "Sat, 10 Jan 2026 10:00:00 GMT", "If-Range", "\"r\"",
                "Range", "bytes=0-1");
        Fields fresh = ProxyHeaders.forCacheFetch(request, Optional.empty(), client, "e1", ALL);
        request.names().forEach(name -> assertThat(fresh.has(name)).as(name).isFalse());

        Fields revalidation = ProxyHeaders.forCacheFetch(request, Optional.of(stale("X-Tenant")), client, "e1",
                ALL);
        assertThat(revalidation.all("if-none-match")).containsExactly("\"v1\"");
        assertThat(revalidation.all("if-modified-since")).containsExactly("Sat, 10 Jan 2026 12:00:00 GMT");
        assertThat(revalidation.has("range")).isFalse();
    }

    @Test
    void aFetchForTheCacheAsksForTheNormalisedCodingAndNamesOnlyThisEdgeAndItsClient() {
        Fields request = Fields.of("Accept-Encoding", "gzip, deflate, br", "Via", "1.1 upstream",
                "X-Forwarded-For", "10.9.9.9", "X-Forwarded-Proto", "https");
        Fields sent = ProxyHeaders.forCacheFetch(request, Optional.empty(), client, "e1", ALL);
        assertThat(sent.all("accept-encoding")).containsExactly("br");
        assertThat(sent.all("via")).containsExactly("1.1 e1 (Outpost)");
        assertThat(sent.all("x-forwarded-for")).containsExactly("192.0.2.7");
        assertThat(sent.all("x-forwarded-proto")).containsExactly("http"); // the key's scheme, never the client's
        assertThat(sent.all("user-agent")).containsExactly("Outpost-Edge (e1)"); // the client sent none
    }

    @Test
    void aPassThroughRequestKeepsValidatorsAndRangesAndExtendsTheForwardingChains() {
        Fields request = Fields.of("Cookie", "s=1", "If-Match", "\"m\"", "Range", "bytes=0-1", "Via", "1.1 up",
                "X-Forwarded-For", "10.9.9.9");
        Fields sent = ProxyHeaders.forPassThrough(request, client, "e1", ALL);
        assertThat(sent.first("cookie")).contains("s=1");
        assertThat(sent.first("if-match")).contains("\"m\"");
        assertThat(sent.first("range")).contains("bytes=0-1");
        assertThat(sent.first("via")).contains("1.1 up, 1.1 e1 (Outpost)");
        assertThat(sent.first("x-forwarded-for")).contains("10.9.9.9, 192.0.2.7");
        assertThat(sent.first("x-forwarded-proto")).contains("https");
        assertThat(sent.first("accept-encoding")).contains("identity");
    }

    @Test
    void droppedHeadersNeverGoUpstream() {
        RequestHeaderRules rules = new RequestHeaderRules("all", List.of("X-Api-Key", "Cookie"), null);
        for (Fields sent : List.of(ProxyHeaders.forCacheFetch(END_TO_END, Optional.empty(), client, "e1", rules),
                ProxyHeaders.forPassThrough(END_TO_END, client, "e1", rules))) {
            assertThat(sent.has("x-api-key")).isFalse();
            assertThat(sent.has("cookie")).isFalse();
            assertThat(sent.first("origin")).contains("https://app.example");
        }
    }

    @Test
    void listedModeSendsOnlyAcceptHeadersAuthorizationVaryNamesAndTheList() {
        RequestHeaderRules rules = new RequestHeaderRules("listed", null, List.of("X-Device"));
        Fields sent = ProxyHeaders.forCacheFetch(END_TO_END, Optional.of(stale("Origin")), client, "e1", rules);
        assertThat(sent.names()).containsExactlyInAnyOrder("accept", "accept-language", "authorization", "origin",
                "x-device", "accept-encoding", "user-agent", "if-none-match", "if-modified-since", "via",
                "x-forwarded-for", "x-forwarded-proto", "traceparent");
        assertThat(sent.all("user-agent")).containsExactly("Outpost-Edge (e1)");
        // Pass-through answers are never stored: they carry every end-to-end header in listed mode too.
        assertThat(ProxyHeaders.forPassThrough(END_TO_END, client, "e1", rules).first("cookie")).contains("s=1");
    }

    private static CachedObject stale(String varyOn) {
        return CachedObjects.create("svc/a", Fields.empty(), 200,
                Fields.of("ETag", "\"v1\"", "Last-Modified", "Sat, 10 Jan 2026 12:00:00 GMT", "Vary", varyOn),
                ByteBuffer.allocate(1), Instant.EPOCH, Instant.EPOCH, CachePolicy.from(CacheConfig.DEFAULTS));
    }
}
