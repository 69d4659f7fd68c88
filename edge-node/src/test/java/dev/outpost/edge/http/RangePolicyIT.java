package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The edge answers Range and conditional requests from its store with the policy the origin follows too
 * (common's Ranges and Preconditions; docs/architecture.md), as a cache (RFC 9111 §4.3.2).
 */
class RangePolicyIT {
    private static final String BODY = "0123456789".repeat(40);
    private EdgeFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new EdgeFixture();
        f.enqueue(f.ok(BODY, "max-age=60").setHeader("Content-Type", "text/plain").setHeader("ETag", "\"v1\"")
                .setHeader("Date", "Sat, 10 Jan 2026 12:00:00 GMT")
                .setHeader("Last-Modified", "Sat, 10 Jan 2026 10:00:00 GMT"));
        assertThat(f.fetch("/o").code()).isEqualTo(200);
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void multipartPartsComeInTheOrderAsked() throws Exception {
        Answer multi = f.fetch("/o", "Range", "bytes=300-301,0-1");
        assertThat(multi.code()).isEqualTo(206);
        assertThat(multi.body().indexOf("bytes 300-301/400")).isLessThan(multi.body().indexOf("bytes 0-1/400"));
        assertThat(multi.body()).startsWith("--outpost-");
        assertThat(multi.header("Content-Length")).isEqualTo(String.valueOf(multi.body().length()));
    }

    @Test
    void headIgnoresRangeAndDescribesTheWholeObject() throws Exception {
        try (Response head = f.call("HEAD", "/o", null, "Range", "bytes=0-9")) {
            assertThat(head.code()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo("400");
            assertThat(head.header("Content-Range")).isNull();
        }
    }

    @Test
    void aMatchingIfNoneMatchWinsOverRange() throws Exception {
        Answer notModified = f.fetch("/o", "Range", "bytes=0-9", "If-None-Match", "W/\"v1\"");
        assertThat(notModified.code()).isEqualTo(304);
        assertThat(notModified.header("Content-Range")).isNull();
    }

    @Test
    void ifMatchIsNotEvaluatedByTheCache() throws Exception {
        Answer served = f.fetch("/o", "If-Match", "\"other\"");
        assertThat(served.code()).isEqualTo(200);
        assertThat(served.xCache()).isEqualTo("HIT");
    }

    @Test
    void ifRangeHonoursTheStrongEtagOrTheExactStrongLastModified() throws Exception {
        assertThat(f.fetch("/o", "Range", "bytes=0-9", "If-Range", "\"v1\"").code()).isEqualTo(206);
        assertThat(f.fetch("/o", "Range", "bytes=0-9", "If-Range", "Sat, 10 Jan 2026 10:00:00 GMT").code())
                .isEqualTo(206);
        assertThat(f.fetch("/o", "Range", "bytes=0-9", "If-Range", "\"v0\"").code()).isEqualTo(200);
        assertThat(f.fetch("/o", "Range", "bytes=0-9", "If-Range", "W/\"v1\"").code()).isEqualTo(200);
        assertThat(f.fetch("/o", "Range", "bytes=0-9", "If-Range", "Sat, 10 Jan 2026 10:00:01 GMT").code())
                .isEqualTo(200);
        assertThat(f.origin.getRequestCount()).isEqualTo(1);
    }

    @Test
    void anInvalidRangeGetsTheWholeObject() throws Exception {
        assertThat(f.fetch("/o", "Range", "bytes=+1-5").code()).isEqualTo(200);
        assertThat(f.fetch("/o", "Range", "bytes=0-1,,2-3").code()).isEqualTo(206); // empty elements are fine
    }
}
