package dev.outpost.common.http.accesslog;

import static dev.outpost.testkit.AccessLogLines.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.http.NodeServer;
import dev.outpost.common.http.ServerLimits;
import dev.outpost.testkit.AccessLogLines;
import dev.outpost.testkit.ManualClock;
import io.undertow.server.HttpHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The access log every node's listeners share, behind a real listener: the documented JSON schema, the trace
 * context taken from the caller, errors logged, the file bound under real requests, Server-Timing only when set.
 */
class AccessLogIT {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final Path DOC = Path.of("..", "docs", "logging.md");
    private static final HttpHandler HELLO = exchange -> exchange.getResponseSender().send("hello");

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("logs/origin.access.log");
    }

    private AccessLog open(Long maxFileBytes, Integer maxFiles, boolean serverTiming) {
        return AccessLog.open(new AccessLogSettings("json", file().toString(), maxFileBytes, maxFiles,
                Optional.empty(), null), "origin", "origin-test", serverTiming, new ManualClock());
    }

    private static NodeServer serve(AccessLog log, HttpHandler handler) {
        return NodeServer.on(ListenAddress.parse("127.0.0.1:0"), ServerLimits.DEFAULTS).accessLog(log).start(handler);
    }

    private static HttpResponse<String> get(NodeServer server, String target, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUri() + target));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The field names of the table under "The JSON line" in docs/logging.md, in their order. */
    private static List<String> documentedFields() throws Exception {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        String section = doc.substring(doc.indexOf("## The JSON line"), doc.indexOf("An edge miss"));
        List<String> fields = new ArrayList<>();
        for (String row : section.lines().filter(l -> l.startsWith("| `")).toList()) {
            fields.add(row.substring(3, row.indexOf('`', 3)));
        }
        return fields;
    }

    @Test
    void everyLineParsesAndCarriesEveryDocumentedFieldInTheDocumentedOrder() throws Exception {
        try (AccessLog log = open(null, null, false); NodeServer server = serve(log, HELLO)) {
            get(server, "/a.txt?v=1", "User-Agent", "probe/1", "X-Request-Id", "req-42");
            JsonNode line = AccessLogLines.await(file(), l -> "/a.txt?v=1".equals(text(l, "target")));

            List<String> names = new ArrayList<>();
            line.propertyNames().forEach(names::add);
            assertThat(documentedFields()).hasSizeGreaterThanOrEqualTo(19);
            assertThat(names).containsExactlyElementsOf(documentedFields());
            assertThat(text(line, "time")).isEqualTo("2026-01-10T12:00:00.000Z"); // the node's clock, UTC, ms
            assertThat(text(line, "node")).isEqualTo("origin-test");
            assertThat(text(line, "role")).isEqualTo("origin");
            assertThat(text(line, "client")).isEqualTo("127.0.0.1");
            assertThat(text(line, "method")).isEqualTo("GET");
            assertThat(text(line, "protocol")).isEqualTo("HTTP/1.1");
            assertThat(line.get("status").asInt()).isEqualTo(200);
            assertThat(line.get("bytesSent").asLong()).isEqualTo(5);
            assertThat(line.get("durationMs").isNumber()).isTrue();
            assertThat(text(line, "cache")).isNull();
            assertThat(text(line, "cacheStatus")).isNull();
            assertThat(text(line, "upstreamMs")).isNull();
            assertThat(text(line, "userAgent")).isEqualTo("probe/1");
            assertThat(text(line, "host")).isEqualTo(server.baseUri().getAuthority());
            assertThat(text(line, "requestId")).isEqualTo("req-42");
        }
    }

    @Test
    void theCallersTraceIsLoggedWithItsSpanAsTheParent() throws Exception {
        try (AccessLog log = open(null, null, false); NodeServer server = serve(log, HELLO)) {
            get(server, "/traced", "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            JsonNode line = AccessLogLines.await(file(), l -> "/traced".equals(text(l, "target")));
            assertThat(text(line, "traceId")).isEqualTo("0af7651916cd43dd8448eb211c80319c");
            assertThat(text(line, "parentSpanId")).isEqualTo("b7ad6b7169203331");
            assertThat(text(line, "spanId")).matches("[0-9a-f]{16}").isNotEqualTo("b7ad6b7169203331");
        }
    }

    @Test
    void anAnswerTheErrorMappingMadeIsLoggedWithItsStatus() throws Exception {
        HttpHandler failing = exchange -> {
            throw new IllegalStateException("boom");
        };
        try (AccessLog log = open(null, null, false); NodeServer server = serve(log, failing)) {
            assertThat(get(server, "/fails").statusCode()).isEqualTo(500);
            JsonNode line = AccessLogLines.await(file(), l -> "/fails".equals(text(l, "target")));
            assertThat(line.get("status").asInt()).isEqualTo(500);
        }
    }

    @Test
    void theFilesStayWithinTheirBoundUnderRealRequests() throws Exception {
        String padding = "p".repeat(400);
        try (AccessLog log = open(AccessLogSettings.MIN_FILE_BYTES, 2, false); NodeServer server = serve(log, HELLO)) {
            for (int i = 0; i < 600; i++) { // ~600 bytes a line: five times what three files hold
                get(server, "/" + i + "?pad=" + padding);
            }
            AccessLogLines.await(file(), l -> text(l, "target").startsWith("/599?"));
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(file().getParent())) {
            files = s.sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("origin.access.log", "origin.access.log.1", "origin.access.log.2");
        for (Path f : files) {
            assertThat(Files.size(f)).as(f.toString()).isLessThanOrEqualTo(AccessLogSettings.MIN_FILE_BYTES);
            AccessLogLines.read(f); // whole JSON lines only
        }
    }

    @Test
    void serverTimingIsSentOnlyWhenTheNodeAsksForIt() throws Exception {
        try (AccessLog log = open(null, null, false); NodeServer server = serve(log, HELLO)) {
            assertThat(get(server, "/").headers().firstValue("Server-Timing")).isEmpty();
        }
        try (AccessLog log = open(null, null, true); NodeServer server = serve(log, HELLO)) {
            assertThat(get(server, "/").headers().allValues("Server-Timing"))
                    .singleElement().asString().matches("total;dur=\\d+(\\.\\d+)?");
        }
    }

    @Test
    void aDestinationThatCannotBeCreatedFailsStartUpNamingTheKey() throws Exception {
        Files.writeString(dir.resolve("a-file"), "x");
        AccessLogSettings settings = new AccessLogSettings(null, dir.resolve("a-file/sub/x.log").toString(), null,
                null, null, null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AccessLog.open(settings, "edge", "e", false,
                new ManualClock())).hasMessageContaining("accessLog.destination").hasMessageContaining("a-file");
    }
}
