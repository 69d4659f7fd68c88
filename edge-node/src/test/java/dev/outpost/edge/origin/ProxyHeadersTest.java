package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.CacheConfig;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProxyHeadersTest {
    private final ProxyHeaders.Client client = new ProxyHeaders.Client("192.0.2.7", "http");
    private final Fields request = Fields.of("Accept", "text/css", "Accept-Encoding", "gzip, br", "Cookie", "s=1",
            "X-Forwarded-For", "10.0.0.1", "Via", "1.1 upstream", "Connection", "keep-alive, X-Hop", "X-Hop", "1",
            "Authorization", "Bearer t", "Range", "bytes=0-1", "If-None-Match", "\"client\"");

    @Test
    void cacheFetchSendsOnlyKeyedHeadersAndTheEdgesOwn() {
        Fields sent = ProxyHeaders.forCacheFetch(request, Optional.empty(), client, "e1", false);
        assertThat(sent.names()).containsExactlyInAnyOrder("accept", "accept-encoding", "user-agent", "via",
                "x-forwarded-for", "x-forwarded-proto");
        assertThat(sent.first("accept-encoding")).contains("br");
        // The client's own Via / X-Forwarded-For chains are unkeyed inputs: only the edge and its client are named.
        assertThat(sent.first("via")).contains("1.1 e1");
        assertThat(sent.first("x-forwarded-for")).contains("192.0.2.7");
    }

    @Test
    void cacheFetchOfAStaleCopyIsConditionalAndCarriesItsVaryHeaders() {
        CachedObject stale = CachedObjects.create("http://h/a", Fields.of("X-Tenant", "t1"), 200,
                Fields.of("ETag", "\"v1\"", "Last-Modified", "Sat, 10 Jan 2026 10:00:00 GMT", "Vary", "X-Tenant"),
                ByteBuffer.allocate(1), Instant.EPOCH, Instant.EPOCH,
                dev.outpost.edge.cache.CachePolicy.from(CacheConfig.DEFAULTS));
        Fields sent = ProxyHeaders.forCacheFetch(Fields.of("X-Tenant", "t1", "If-None-Match", "\"mine\""),
                Optional.of(stale), client, "e1", false);
        assertThat(sent.first("if-none-match")).contains("\"v1\"");
        assertThat(sent.first("if-modified-since")).contains("Sat, 10 Jan 2026 10:00:00 GMT");
        assertThat(sent.first("x-tenant")).contains("t1");
    }

    @Test
    void passThroughKeepsEndToEndHeadersAndDropsHopByHop() {
        Fields sent = ProxyHeaders.forPassThrough(request, client, "e1");
        assertThat(sent.first("cookie")).contains("s=1");
        assertThat(sent.first("authorization")).contains("Bearer t");
        assertThat(sent.first("range")).contains("bytes=0-1");
        assertThat(sent.has("connection")).isFalse();
        assertThat(sent.has("x-hop")).isFalse();
        assertThat(sent.has("host")).isFalse();
    }

    @Test
    void authorizedCacheFetchAddsOnlyTheAuthorization() {
        Fields sent = ProxyHeaders.forCacheFetch(request, Optional.empty(), client, "e1", true);
        assertThat(sent.first("authorization")).contains("Bearer t");
        assertThat(sent.has("cookie")).isFalse(); // its answer may be stored when public: no unkeyed inputs
        assertThat(sent.has("range")).isFalse();
    }

    @Test
    void overridingHeadersNeverGoUpstreamEvenOnPassThrough() {
        Fields hostile = Fields.of("X-Forwarded-Host", "evil", "X-Original-URL", "/admin", "Forwarded", "host=evil",
                "X-HTTP-Method-Override", "DELETE", "Cookie", "s=1");
        Fields sent = ProxyHeaders.forPassThrough(hostile, client, "e1");
        assertThat(sent.names()).doesNotContain("x-forwarded-host", "x-original-url", "forwarded",
                "x-http-method-override");
        assertThat(sent.first("cookie")).contains("s=1");
    }
}
