package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.OriginTimeouts;
import dev.outpost.testkit.FakeOrigin;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An origin that sends more than its answer's framing (Content-Length, chunked) announced leaves bytes on the
 * kept-alive connection, which OkHttp would read as the next request's answer: a response smuggled there would be
 * cached under another URL. Such a connection is closed instead of being reused (FramingCheck), and the answer is
 * reported; well-framed answers keep their connection.
 *
 * <p>What FramingCheck promises decides what is sent when: excess that came with the body (the fake origin writes
 * head, body and excess in one write) is reported on that answer; excess that came later, on the idle connection,
 * closes the connection before the next request's first byte leaves (the tests wait until the origin wrote it).
 * Bytes sent after that cannot be told from the next answer in HTTP/1.1, so no test sends them then.
 */
class OriginConnectionReuseIT {
    private static final OriginClient.Listener QUIET = new OriginClient.Listener() {
        @Override
        public void originResponded(int status, Duration latency) {
        }

        @Override
        public void originFailed(Duration latency) {
        }
    };

    private static OriginClient client() {
        return new OriginClient(new OriginTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(5),
                null, null, null), Clock.systemUTC(), QUIET);
    }

    private static String body(OriginResponse response) throws IOException {
        try (response; InputStream in = response.body()) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static OriginRequest request(String method, String path) {
        return new OriginRequest(method, path, Fields.empty(), new byte[0], "127.0.0.1");
    }

    @Test
    void aGetAfterAnAnswerThatLeftExcessBytesOnTheConnectionIsAnsweredFromACleanOne()
            throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(r -> r.path().equals("/broken")
                ? FakeOrigin.Answer.ok("ok").excessAfterBody("-and-26-more-bytes-nobody-announced")
                : FakeOrigin.Answer.ok("fine " + r.path()));
                OriginClient client = client()) {
            List<java.net.URI> origins = List.of(origin.uri());
            assertThat(body(client.send(origins, request("GET", "/broken")))).isEqualTo("ok");

            OriginResponse next = client.send(origins, request("GET", "/next"));

            assertThat(next.status()).isEqualTo(200);
            assertThat(body(next)).isEqualTo("fine /next");
            assertThat(client.health().allows(origin.uri())).isTrue();
        }
    }

    private static final String SMUGGLED =
            "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nCache-Control: max-age=86400\r\n\r\nPOISON";

    /** GETs /broken (whose answer the origin follows with SMUGGLED), then two other paths, each answered cleanly. */
    private static void smuggledAnswerIsDroppedWithItsConnection(FakeOrigin.Answer broken) throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(r -> r.path().equals("/broken") ? broken
                : FakeOrigin.Answer.ok("fine " + r.path()));
                OriginClient client = client()) {
            List<java.net.URI> origins = List.of(origin.uri());
            OriginResponse first = client.send(origins, request("GET", "/broken"));
            assertThat(body(first)).isEqualTo("ok");
            assertThat(first.overran()).hasValueSatisfying(
                    why -> assertThat(why).contains(SMUGGLED.length() + " bytes after its 2-byte body"));

            for (String path : List.of("/next", "/after")) {
                OriginResponse next = client.send(origins, request("GET", path));
                assertThat(body(next)).isEqualTo("fine " + path);
                assertThat(next.overran()).isEmpty();
            }
            assertThat(origin.connections()).as("the broken answer's connection was not reused").isEqualTo(2);
        }
    }

    @Test
    void aResponseSmuggledAfterAContentLengthBodyIsNeverTakenForTheNextAnswer() throws Exception {
        smuggledAnswerIsDroppedWithItsConnection(FakeOrigin.Answer.ok("ok").excessAfterBody(SMUGGLED));
    }

    @Test
    void aResponseSmuggledAfterTheLastChunkIsNeverTakenForTheNextAnswer() throws Exception {
        smuggledAnswerIsDroppedWithItsConnection(FakeOrigin.Answer.ok("ok").chunked().excessAfterBody(SMUGGLED));
    }

    @Test
    void aResponseSentOnAnIdleConnectionIsNeverTakenForTheNextAnswer() throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(r -> r.path().equals("/first")
                ? FakeOrigin.Answer.ok("ok").excessAfterBody(SMUGGLED, Duration.ofMillis(100))
                : FakeOrigin.Answer.ok("fine " + r.path()));
                OriginClient client = client()) {
            List<java.net.URI> origins = List.of(origin.uri());
            OriginResponse first = client.send(origins, request("GET", "/first"));
            assertThat(body(first)).isEqualTo("ok");
            // Once the origin wrote them (it counts the answer after), the smuggled bytes wait on the idle pooled
            // connection: loopback hands a write to the receiving socket before the write returns.
            await().atMost(Duration.ofSeconds(10)).until(() -> origin.answeredWhole() == 1);

            OriginResponse next = client.send(origins, request("GET", "/next"));

            assertThat(body(next)).isEqualTo("fine /next");
            assertThat(origin.requests("/next")).isEqualTo(1);
            assertThat(origin.connections()).isEqualTo(2);
        }
    }

    @Test
    void bytesTheClientReadAheadOnAnIdleConnectionAreNeverTakenForTheNextAnswer() throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(r -> r.path().equals("/first")
                ? FakeOrigin.Answer.ok("ok").excessAfterBody(SMUGGLED, Duration.ofMillis(100))
                : FakeOrigin.Answer.ok("fine"));
                OriginClient client = client()) {
            List<java.net.URI> origins = List.of(origin.uri());
            assertThat(body(client.send(origins, request("GET", "/first")))).isEqualTo("ok");
            await().atMost(Duration.ofSeconds(10)).until(() -> origin.answeredWhole() == 1);
            // OkHttp checks a connection idle for 10 s or more before a request other than a GET by reading from
            // it: the smuggled bytes then wait in the client's buffer, where OkHttp would read them as the answer
            // once the request's write failed (it reads an answer after a failed write).
            Thread.sleep(10_500);

            OriginResponse put = client.send(origins, new OriginRequest("PUT", "/form", Fields.empty(),
                    new byte[0], "127.0.0.1"));

            assertThat(body(put)).isEqualTo("fine");
            assertThat(origin.requests("/form")).isEqualTo(1);
            assertThat(origin.connections()).isEqualTo(2);
        }
    }

    @Test
    void wellFramedAnswersKeepTheirConnection() throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(r -> switch (r.path()) {
            case "/chunked" -> FakeOrigin.Answer.ok("chunked body").chunked().header("X-A", "1");
            case "/empty" -> FakeOrigin.Answer.status(204, "No Content", new byte[0]);
            case "/big" -> FakeOrigin.Answer.ok("x".repeat(300_000));
            case "/hexlike" -> FakeOrigin.Answer.ok("cafe\r\n0\r\n\r\nnot chunked at all");
            default -> FakeOrigin.Answer.ok("fine").header("X-Spaces", "  padded  ");
        });
                OriginClient client = client()) {
            List<java.net.URI> origins = List.of(origin.uri());
            for (String path : List.of("/a", "/chunked", "/empty", "/big", "/hexlike", "/b")) {
                for (String method : List.of("GET", "HEAD")) {
                    OriginResponse r = client.send(origins, request(method, path));
                    body(r);
                    assertThat(r.overran()).as(method + " " + path).isEmpty();
                }
            }
            assertThat(origin.connections()).isEqualTo(1);
        }
    }

    @Test
    void anUnsafeRequestAfterABrokenAnswerGoesOutOnceOnACleanConnection() throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(r -> r.path().equals("/broken")
                ? FakeOrigin.Answer.ok("ok").excessAfterBody("garbage")
                : FakeOrigin.Answer.ok("fine"));
                OriginClient client = client()) {
            List<java.net.URI> origins = List.of(origin.uri());
            assertThat(body(client.send(origins, request("GET", "/broken")))).isEqualTo("ok");

            OriginResponse put = client.send(origins, new OriginRequest("PUT", "/form", Fields.empty(),
                    new byte[0], "127.0.0.1"));

            assertThat(body(put)).isEqualTo("fine");
            assertThat(origin.requests("/form")).isEqualTo(1);
        }
    }
}
