package dev.outpost.edge.http;

import static dev.outpost.testkit.AccessLogLines.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.accesslog.AccessLogSettings;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.testkit.AccessLogLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import mockwebserver3.RecordedRequest;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The edge's access log and trace context on real sockets: one line per request with the cache outcome, W3C
 * {@code traceparent} taken from the client when valid and sent to the origin with the edge's span as the parent,
 * {@code Server-Timing} only when set. Lines are awaited: an exchange is logged when it completes, which can be
 * just after the client got its answer.
 */
class AccessLogIT {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + TRACE + "-" + PARENT + "-01";

    @TempDir
    Path dir;

    private Path log() {
        return dir.resolve("edge.access.log");
    }

    private EdgeFixture edge(String format) throws IOException {
        return edge(format, UnaryOperator.identity());
    }

    private EdgeFixture edge(String format, UnaryOperator<dev.outpost.edge.config.EdgeConfig> more)
            throws IOException {
        return new EdgeFixture(c -> more.apply(c.withAccessLog(new AccessLogSettings(format, log().toString(), null,
                null, null, null))));
    }

    @Test
    void aMissAndAHitWriteOneJsonLineEachWithTheirOutcomeAndCacheStatus() throws Exception {
        try (EdgeFixture f = edge("json")) {
            f.enqueue(f.ok("logged", "max-age=60"));
            f.fetch("/logged?x=1", "User-Agent", "shop-app/2.1");
            JsonNode miss = AccessLogLines.await(log(), l -> "MISS".equals(text(l, "cache")));
            f.fetch("/logged?x=1");
            JsonNode hit = AccessLogLines.await(log(), l -> "HIT".equals(text(l, "cache")));

            assertThat(text(miss, "time")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            assertThat(text(miss, "node")).isEqualTo("edge-test");
            assertThat(text(miss, "role")).isEqualTo("edge");
            assertThat(text(miss, "client")).isEqualTo("127.0.0.1");
            assertThat(text(miss, "method")).isEqualTo("GET");
            assertThat(text(miss, "target")).isEqualTo("/logged?x=1");
            assertThat(text(miss, "protocol")).isEqualTo("HTTP/1.1");
            assertThat(miss.get("status").asInt()).isEqualTo(200);
            assertThat(miss.get("bytesSent").asLong()).isEqualTo(6);
            assertThat(miss.get("durationMs").isNumber()).isTrue();
            assertThat(text(miss, "cacheStatus")).startsWith("Outpost; fwd=miss; fwd-status=200");
            assertThat(miss.get("upstreamMs").isNumber()).isTrue();
            assertThat(text(miss, "userAgent")).isEqualTo("shop-app/2.1");
            assertThat(text(miss, "host")).isEqualTo(EdgeFixture.HOST);
            assertThat(text(miss, "traceId")).matches("[0-9a-f]{32}");
            assertThat(text(miss, "spanId")).matches("[0-9a-f]{16}");
            assertThat(text(miss, "parentSpanId")).isNull(); // no traceparent: the edge started the trace
            assertThat(text(miss, "requestId")).isEqualTo(text(miss, "spanId"));

            assertThat(text(hit, "cacheStatus")).startsWith("Outpost; hit; ttl=");
            assertThat(text(hit, "upstreamMs")).isNull();
            assertThat(text(hit, "traceId")).isNotEqualTo(text(miss, "traceId"));
        }
    }

    @Test
    void theTextFormatStaysSelectable() throws Exception {
        try (EdgeFixture f = edge("text")) {
            f.enqueue(f.ok("logged", "max-age=60"));
            f.fetch("/logged?x=1", "traceparent", TRACEPARENT);
            String line = AccessLogLines.awaitText(log(), " MISS ");
            assertThat(line).matches("2026-01-10T12:00:00\\.000Z 127\\.0\\.0\\.1 GET assets\\.test /logged\\?x=1 200 6 "
                    + "MISS origin=\\d+ms total=\\d+ms node=edge-test trace=" + TRACE + " span=[0-9a-f]{16} parent="
                    + PARENT);
        }
    }

    @Test
    void aValidTraceparentIsContinuedAndTheOriginGetsTheEdgesSpanAsItsParent() throws Exception {
        try (EdgeFixture f = edge("json")) {
            f.enqueue(f.ok("traced", "max-age=60"));
            f.fetch("/traced", "traceparent", TRACEPARENT, "tracestate", "vendor=abc, other@tenant=x-1");
            RecordedRequest atOrigin = f.takeOriginRequest();
            JsonNode line = AccessLogLines.await(log(), l -> "/traced".equals(text(l, "target")));

            assertThat(text(line, "traceId")).isEqualTo(TRACE);
            assertThat(text(line, "parentSpanId")).isEqualTo(PARENT);
            String span = text(line, "spanId");
            assertThat(span).matches("[0-9a-f]{16}").isNotEqualTo(PARENT);
            assertThat(atOrigin.getHeaders().values("traceparent")).containsExactly("00-" + TRACE + "-" + span + "-01");
            assertThat(atOrigin.getHeaders().get("tracestate")).isEqualTo("vendor=abc,other@tenant=x-1");
        }
    }

    @Test
    void anInvalidTraceparentIsReplacedByANewTraceAndItsTracestateDropped() throws Exception {
        List<String> invalid = List.of(
                "00-" + TRACE.toUpperCase() + "-" + PARENT + "-01", // upper-case hex
                "00-00000000000000000000000000000000-" + PARENT + "-01", // all-zero trace id
                "00-" + TRACE + "-0000000000000000-01", // all-zero parent id
                "ff-" + TRACE + "-" + PARENT + "-01", // version ff
                "00-" + TRACE + "-" + PARENT + "-01-extra", // version 00 with more
                "00-" + TRACE.substring(1) + "-" + PARENT + "-01", // short trace id
                "00-4bf92f-00f067-01"); // what a hand-written client sends
        try (EdgeFixture f = edge("json")) {
            for (int i = 0; i < invalid.size(); i++) {
                f.enqueue(f.ok("traced", "max-age=60"));
                String path = "/invalid/" + i;
                f.fetch(path, "traceparent", invalid.get(i), "tracestate", "vendor=abc");
                RecordedRequest atOrigin = f.takeOriginRequest();
                JsonNode line = AccessLogLines.await(log(), l -> path.equals(text(l, "target")));
                assertThat(text(line, "traceId")).as(invalid.get(i)).matches("[0-9a-f]{32}").isNotEqualTo(TRACE);
                assertThat(text(line, "parentSpanId")).as(invalid.get(i)).isNull();
                assertThat(atOrigin.getHeaders().values("traceparent")).as(invalid.get(i)).containsExactly(
                        "00-" + text(line, "traceId") + "-" + text(line, "spanId") + "-01");
                assertThat(atOrigin.getHeaders().get("tracestate")).as(invalid.get(i)).isNull();
            }
        }
    }

    @Test
    void aFutureVersionIsReadForItsFirstFieldsAndSentOnAsVersion00() throws Exception {
        try (EdgeFixture f = edge("json")) {
            f.enqueue(f.ok("traced", "max-age=60"));
            f.fetch("/future", "traceparent", "cc-" + TRACE + "-" + PARENT + "-09-what-comes-next");
            RecordedRequest atOrigin = f.takeOriginRequest();
            JsonNode line = AccessLogLines.await(log(), l -> "/future".equals(text(l, "target")));
            assertThat(text(line, "traceId")).isEqualTo(TRACE);
            assertThat(text(line, "parentSpanId")).isEqualTo(PARENT);
            assertThat(atOrigin.getHeaders().get("traceparent")).isEqualTo("00-" + TRACE + "-" + text(line, "spanId")
                    + "-01");
        }
    }

    @Test
    void aPrefetchSendsATraceparentOfItsOwn() throws Exception {
        try (EdgeFixture f = edge("json")) {
            f.enqueue(f.ok("one", "max-age=600"));
            Request prefetch = new Request.Builder().url(f.admin() + "/_edge/prefetch")
                    .header("Authorization", "Bearer " + EdgeFixture.ADMIN_TOKEN)
                    .post(RequestBody.create("{\"urls\":[\"http://assets.test/pre\"]}",
                            MediaType.get("application/json"))).build();
            try (Response r = f.client.newCall(prefetch).execute()) {
                assertThat(r.code()).isEqualTo(200);
            }
            assertThat(f.takeOriginRequest().getHeaders().get("traceparent"))
                    .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
            JsonNode adminLine = AccessLogLines.await(log(), l -> "/_edge/prefetch".equals(text(l, "target")));
            assertThat(text(adminLine, "cache")).isNull(); // an admin call, not a cache request
        }
    }

    @Test
    void serverTimingIsSentOnlyWhenTheSettingIsOn() throws Exception {
        try (EdgeFixture f = edge("json")) {
            f.enqueue(f.ok("timed", "max-age=60"));
            assertThat(f.fetch("/timed").header("Server-Timing")).isNull();
            assertThat(f.fetch("/timed").header("Server-Timing")).isNull();
        }
        try (EdgeFixture f = edge("json", c -> c.withServerTiming(true))) {
            f.enqueue(f.ok("timed", "max-age=60"));
            Answer miss = f.fetch("/timed");
            assertThat(miss.header("Server-Timing"))
                    .matches("cache;desc=MISS, origin;dur=\\d+(\\.\\d+)?, total;dur=\\d+(\\.\\d+)?");
            Answer hit = f.fetch("/timed");
            assertThat(hit.header("Server-Timing")).matches("cache;desc=HIT, total;dur=\\d+(\\.\\d+)?");
        }
    }

    @Test
    void credentialsInHeadersAndQueryStringsNeverReachTheLog() throws Exception {
        try (EdgeFixture f = edge("json")) {
            f.enqueue(f.ok("private", "private"));
            f.fetch("/account?token=s3cr3t-query&v=2&X-Amz-Signature=s3cr3t-sig", "Authorization",
                    "Bearer s3cr3t-header", "Cookie", "session=s3cr3t-cookie");
            JsonNode line = AccessLogLines.await(log(), l -> text(l, "target").startsWith("/account"));
            assertThat(text(line, "target")).isEqualTo("/account?token=REDACTED&v=2&X-Amz-Signature=REDACTED");
            assertThat(Files.readString(log(), StandardCharsets.UTF_8)).doesNotContain("s3cr3t");
        }
    }

    @Test
    void aPassedThroughRequestWhoseOriginIsDownLogsItsUpstreamTime() throws Exception {
        try (EdgeFixture f = edge("json")) {
            f.origin.close();
            f.call("POST", "/form", okhttp3.RequestBody.create("a=1", null)).close();
            JsonNode line = AccessLogLines.await(log(), l -> "/form".equals(text(l, "target")));
            assertThat(line.get("status").asInt()).isEqualTo(502);
            assertThat(line.get("upstreamMs").isNumber()).isTrue();
        }
    }
}
