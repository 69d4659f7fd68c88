package dev.outpost.edge.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.testkit.MalformedFields;
import dev.outpost.testkit.RawHttp2;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP/2 → HTTP/1.1 attack family (issue 14 §1): an HTTP/2 client on the edge's HTTPS listener puts CR, LF,
 * NUL, colons and upper case into header names and values, which Undertow's HTTP/2 parser hands over and an
 * unchecked relay would write to the origin as header lines or whole requests of the client's choosing. Every case
 * goes through the raw frame client on the cacheable path and as a pass-through POST; a counting origin must see
 * none of them, and the two reported repros (a poisoned shared fetch, a desynchronised origin connection) must
 * leave the next, clean client's answer untouched.
 */
class Http2InjectionIT {
    @TempDir
    Path dir;

    private final List<String> originSaw = new CopyOnWriteArrayList<>();
    private EdgeFixture f;
    private TlsEdge edge;

    @BeforeEach
    void start() throws IOException {
        edge = TlsEdge.start(dir, UnaryOperator.identity());
        f = edge.fixture();
        ReflectingOrigin reflecting = ReflectingOrigin.cacheable();
        f.origin.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                StringBuilder seen = new StringBuilder(request.getMethod() + " " + request.getTarget());
                request.getHeaders().forEach(h -> seen.append(" | ").append(h.getFirst()).append(": ")
                        .append(h.getSecond()));
                originSaw.add(seen.toString());
                return reflecting.dispatch(request);
            }
        });
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void malformedFieldsOverHttp2NeverReachTheOrigin() throws IOException {
        List<String> failures = new ArrayList<>();
        int tries = 0;
        for (MalformedFields.Field field : MalformedFields.HTTP2) {
            for (String method : List.of("GET", "POST")) {
                tries++;
                try (RawHttp2 client = connect()) {
                    RawHttp2.Reply reply = client.send(method, EdgeFixture.HOST, "/h2/page.css",
                            method.equals("POST") ? "form=1".getBytes(StandardCharsets.US_ASCII) : new byte[0],
                            field.name(), field.value());
                    if (!reply.refused() || !originSaw.isEmpty()) {
                        failures.add(method + " " + field.description() + ": " + reply.status() + " reset="
                                + reply.resetCode() + " origin saw " + originSaw);
                        originSaw.clear();
                    }
                }
            }
        }
        assertThat(tries).isEqualTo(2 * MalformedFields.HTTP2.size());
        assertThat(failures).as("%d tries", tries).isEmpty();
        assertThat(StoreAudit.dump(f.edge.store())).doesNotContain("injected", "evil.example", "attacker-chosen");
    }

    @Test
    void aCrlfInAnAcceptValueCannotPoisonTheSharedFetch() throws IOException {
        try (RawHttp2 attacker = connect()) {
            RawHttp2.Reply reply = attacker.get(EdgeFixture.HOST, "/poison.css", "accept",
                    "text/html\r\nx-forwarded-host: evil.example");
            assertThat(reply.status()).contains(400);
        }
        EdgeFixture.Answer victim = f.fetch("/poison.css");
        assertThat(victim.code()).isEqualTo(200);
        assertThat(victim.body()).doesNotContain("evil.example");
        assertThat(originSaw).singleElement().asString().doesNotContain("evil.example");
    }

    @Test
    void aSmuggledRequestInAPostHeaderLeavesTheNextClientsAnswerUntouched() throws IOException {
        try (RawHttp2 attacker = connect()) {
            RawHttp2.Reply reply = attacker.send("POST", EdgeFixture.HOST, "/form", "a=1".getBytes(
                    StandardCharsets.US_ASCII), "x-a", "1\r\nContent-Length: 0\r\n\r\nGET /attacker-chosen HTTP/1.1"
                    + "\r\nHost: " + EdgeFixture.HOST + "\r\nX-Ignore: ");
            assertThat(reply.status()).contains(400);
        }
        EdgeFixture.Answer first = f.fetch("/victim.css");
        EdgeFixture.Answer second = f.fetch("/victim-2.css");
        assertThat(first.body()).startsWith("target=/victim.css\n");
        assertThat(second.body()).startsWith("target=/victim-2.css\n");
        assertThat(originSaw).hasSize(2).noneMatch(seen -> seen.contains("attacker-chosen") || seen.contains("/form"));
        assertThat(StoreAudit.dump(f.edge.store())).doesNotContain("attacker-chosen");
    }

    @Test
    void wellFormedHttp2RequestsAreStillServedWithNonAsciiValuesByteForByte() throws IOException {
        try (RawHttp2 client = connect()) {
            // "café" as its UTF-8 bytes, the way a client sends it: one char per byte on the wire
            String utf8Cafe = new String("café".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            RawHttp2.Reply reply = client.send("POST", EdgeFixture.HOST, "/form", "a=1".getBytes(
                    StandardCharsets.US_ASCII), "x-note", utf8Cafe, "accept", "text/css");
            assertThat(reply.status()).contains(200);
            RawHttp2.Reply cached = client.get(EdgeFixture.HOST, "/ok.css", "accept", "text/css");
            assertThat(cached.status()).contains(200);
        }
        assertThat(originSaw).hasSize(2);
        assertThat(originSaw.get(0)).contains("x-note: café");
        assertThat(f.fetch("/ok.css").xCache()).isEqualTo("HIT");
    }

    private RawHttp2 connect() throws IOException {
        return edge.connect();
    }
}
