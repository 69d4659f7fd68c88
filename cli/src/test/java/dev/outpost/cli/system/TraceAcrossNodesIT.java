package dev.outpost.cli.system;

import static dev.outpost.testkit.AccessLogLines.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.accesslog.AccessLogSettings;
import dev.outpost.edge.EdgeNode;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import dev.outpost.origin.content.PathRule;
import dev.outpost.testkit.AccessLogLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A real edge in front of a real origin on loopback, each writing its JSON access log to its own file: one
 * request is followed across both by its trace id, the origin's line naming the edge's span as its parent, for
 * misses and revalidations, whether the client sent a valid {@code traceparent}, an invalid one or none.
 */
class TraceAcrossNodesIT {
    private static final String HOST = "www.example.test";
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00f067aa0ba902b7";

    @TempDir
    Path dir;
    private OriginNode origin;
    private EdgeNode edge;
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false)
            .callTimeout(Duration.ofSeconds(10)).build();

    private Path edgeLog() {
        return dir.resolve("logs/eu-1.access.log");
    }

    private Path originLog() {
        return dir.resolve("logs/origin.access.log");
    }

    @BeforeEach
    void start() throws IOException {
        Path site = Files.createDirectories(dir.resolve("site"));
        Files.createDirectories(site.resolve("fresh"));
        Files.createDirectories(site.resolve("always"));
        Files.writeString(site.resolve("fresh/app.js"), "console.log(1)");
        Files.writeString(site.resolve("always/index.html"), "<p>hi</p>");
        origin = OriginNode.start(OriginConfig.of(site.toString()).withListen("127.0.0.1:0")
                .withRules(List.of(new PathRule("/always/**", Optional.of("no-cache"), List.of()),
                        new PathRule("/**", Optional.of("max-age=60"), List.of())), OriginConfig.Defaults.NONE)
                .withAccessLog(jsonTo(originLog(), "origin")));
        edge = EdgeNode.start(EdgeConfig.of("eu-1", "127.0.0.1:0",
                DeliveryService.of("site", List.of(HOST), List.of(origin.baseUri())))
                .withAccessLog(jsonTo(edgeLog(), "eu-1")));
    }

    private static AccessLogSettings jsonTo(Path file, String node) {
        return new AccessLogSettings("json", file.toString(), null, null, Optional.of(node), null);
    }

    @AfterEach
    void stop() {
        if (edge != null) {
            edge.close();
        }
        if (origin != null) {
            origin.close();
        }
        http.connectionPool().evictAll();
        http.dispatcher().executorService().shutdown();
    }

    private int get(String path, String... headers) throws IOException {
        Request.Builder b = new Request.Builder().url("http://127.0.0.1:" + edge.port() + path).header("Host", HOST);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try (Response r = http.newCall(b.build()).execute()) {
            r.body().string();
            return r.code();
        }
    }

    /** The origin's line of the request the edge's {@code edgeLine} made. */
    private JsonNode originLineFor(JsonNode edgeLine) {
        return AccessLogLines.await(originLog(), l -> text(edgeLine, "spanId").equals(text(l, "parentSpanId")));
    }

    @Test
    void oneRequestIsFollowedFromTheEdgeToTheOriginByItsTraceId() throws Exception {
        assertThat(get("/fresh/app.js", "traceparent", "00-" + TRACE + "-" + PARENT + "-01")).isEqualTo(200);
        JsonNode atEdge = AccessLogLines.await(edgeLog(), l -> TRACE.equals(text(l, "traceId")));
        JsonNode atOrigin = AccessLogLines.await(originLog(), l -> TRACE.equals(text(l, "traceId")));

        assertThat(text(atEdge, "role")).isEqualTo("edge");
        assertThat(text(atEdge, "node")).isEqualTo("eu-1");
        assertThat(text(atEdge, "cache")).isEqualTo("MISS");
        assertThat(text(atEdge, "parentSpanId")).isEqualTo(PARENT);
        assertThat(text(atOrigin, "role")).isEqualTo("origin");
        assertThat(text(atOrigin, "node")).isEqualTo("origin");
        assertThat(text(atOrigin, "target")).isEqualTo("/fresh/app.js");
        assertThat(text(atOrigin, "parentSpanId")).as("the origin's parent is the edge's span")
                .isEqualTo(text(atEdge, "spanId"));
        assertThat(text(atOrigin, "spanId")).isNotEqualTo(text(atEdge, "spanId"));
    }

    @Test
    void anInvalidTraceparentStartsANewTraceThatTheOriginContinues() throws Exception {
        assertThat(get("/fresh/app.js", "traceparent", "00-" + TRACE + "-0000000000000000-01")).isEqualTo(200);
        JsonNode atEdge = AccessLogLines.await(edgeLog(), l -> "/fresh/app.js".equals(text(l, "target")));
        assertThat(text(atEdge, "traceId")).matches("[0-9a-f]{32}").isNotEqualTo(TRACE);
        assertThat(text(atEdge, "parentSpanId")).isNull();
        JsonNode atOrigin = originLineFor(atEdge);
        assertThat(text(atOrigin, "traceId")).isEqualTo(text(atEdge, "traceId"));
    }

    @Test
    void aRevalidationCarriesTheTraceOfTheRequestThatMadeIt() throws Exception {
        assertThat(get("/always/index.html")).isEqualTo(200);
        assertThat(get("/always/index.html", "traceparent", "00-" + TRACE + "-" + PARENT + "-01")).isEqualTo(200);
        JsonNode second = AccessLogLines.await(edgeLog(), l -> TRACE.equals(text(l, "traceId")));
        assertThat(text(second, "cache")).as("no-cache: stored, and revalidated on every request")
                .isEqualTo("REVALIDATED");
        JsonNode atOrigin = originLineFor(second);
        assertThat(text(atOrigin, "traceId")).isEqualTo(TRACE);
        assertThat(atOrigin.get("status").asInt()).as("a conditional request, answered 304").isEqualTo(304);
    }
}
