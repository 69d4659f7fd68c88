package dev.outpost.edge.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request smuggling over raw sockets: each case hides a canary request inside a message whose framing is
 * ambiguous (CL.TE, TE.CL, TE.TE, bare LF, obs-fold, duplicate Content-Length, bad chunking, control characters).
 * Undertow 2.4.4's parser does the refusing (no framing code of our own); these cases prove that the ambiguous
 * message is refused with 400 and the connection closed, and that the canary never reaches the origin.
 */
class SmugglingIT {
    private static final String HOST = "Host: " + EdgeFixture.HOST + "\r\n";
    private static final String CANARY = "GET /smuggled-canary HTTP/1.1\r\n" + HOST + "\r\n";

    /** What the edge must do with a case, beyond never letting the canary through. */
    enum Expect {
        /** 400 and the connection closed: ambiguous framing (CL+TE, duplicate CL, control characters, ...). */
        REFUSED,
        /** The connection closed with no success answer: the body's chunking broke while it was read. */
        DROPPED,
        /**
         * Undertow tolerates it (junk before a chunk's CRLF, bare-LF chunk lines): at most one answer, then the
         * connection is closed, so nothing after the body is ever read as a request.
         */
        ONE_ANSWER_THEN_CLOSED,
        /** Well-framed: the canary is body, answered once. */
        ONE_ANSWER
    }

    /** A raw request and what the edge must do with it. */
    record Case(String name, String bytes, Expect expect) {
    }

    static final List<Case> CORPUS = List.of(
            refused("CL.TE", "POST /s HTTP/1.1\r\n" + HOST + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\n" + CANARY),
            refused("TE.CL", "POST /s HTTP/1.1\r\n" + HOST + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(CANARY.length()) + "\r\n" + CANARY + "\r\n0\r\n\r\n"),
            refused("TE.CL GET", "GET /s HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
                    + "0\r\n\r\n" + CANARY),
            refused("TE.TE xchunked", teObfuscated("Transfer-Encoding: xchunked\r\n")),
            refused("TE.TE space before colon", teObfuscated("Transfer-Encoding : chunked\r\n")),
            refused("TE.TE second TE", teObfuscated("Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n")),
            refused("TE.TE tab", teObfuscated("Transfer-Encoding:\tchunked\r\n")),
            refused("TE.TE quoted", teObfuscated("Transfer-Encoding: \"chunked\"\r\n")),
            refused("TE.TE chunked, identity", teObfuscated("Transfer-Encoding: chunked, identity\r\n")),
            refused("TE.TE identity, chunked", teObfuscated("Transfer-Encoding: identity, chunked\r\n")),
            refused("TE.TE mixed case", teObfuscated("Transfer-encoding: cHuNkEd\r\n")),
            refused("TE.TE vertical tab", teObfuscated("Transfer-Encoding:\u000bchunked\r\n")),
            // Undertow unfolds obs-fold into a space (RFC 9112 §5.2): the folded TE is part of X-A, framing is by CL.
            new Case("obs-fold hides TE", "POST /s HTTP/1.1\r\n" + HOST + "X-A: a\r\n Transfer-Encoding: chunked\r\n"
                    + "Content-Length: " + (5 + CANARY.length()) + "\r\n\r\n0\r\n\r\n" + CANARY, Expect.ONE_ANSWER),
            refused("TE.TE folded value", teObfuscated("Transfer-Encoding:\r\n chunked\r\n")),
            refused("bare LF before TE", teObfuscated("X-A: a\nTransfer-Encoding: chunked\r\n")),
            refused("bare LF everywhere", ("POST /s HTTP/1.1\r\n" + HOST + "Content-Length: 6\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + CANARY).replace("\r\n", "\n")),
            refused("bare CR in header", teObfuscated("X-A: a\rTransfer-Encoding: chunked\r\n")),
            refused("obs-fold Content-Length", "POST /s HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\n "
                    + CANARY.length() + "\r\n\r\n" + CANARY),
            refused("duplicate Content-Length", "POST /s HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\nContent-Length: "
                    + CANARY.length() + "\r\n\r\n" + CANARY),
            refused("Content-Length list", "POST /s HTTP/1.1\r\n" + HOST + "Content-Length: 0, " + CANARY.length()
                    + "\r\n\r\n" + CANARY),
            refused("Content-Length plus sign", "POST /s HTTP/1.1\r\n" + HOST + "Content-Length: +0\r\n\r\n" + CANARY),
            refused("Content-Length hex", "POST /s HTTP/1.1\r\n" + HOST + "Content-Length: 0x0\r\n\r\n" + CANARY),
            refused("Content-Length negative", "POST /s HTTP/1.1\r\n" + HOST + "Content-Length: -1\r\n\r\n" + CANARY),
            dropped("bad chunk size", chunked("g\r\nabc\r\n0\r\n\r\n" + CANARY)),
            dropped("chunk size overflow", chunked("fffffffffffffffff1\r\nabc\r\n0\r\n\r\n" + CANARY)),
            dropped("chunk size 0x prefix", chunked("0x3\r\nabc\r\n0\r\n\r\n" + CANARY)),
            tolerated("chunk without CRLF after data", chunked("3\r\nabcX\r\n0\r\n\r\n" + CANARY)),
            tolerated("chunk size with LF only", chunked("3\nabc\n0\n\n" + CANARY)),
            refused("NUL in header value", "GET /s HTTP/1.1\r\n" + HOST + "X-A: a\u0000b\r\n\r\n" + CANARY),
            refused("control char in header name", "GET /s HTTP/1.1\r\n" + HOST + "X\u0001A: a\r\n\r\n" + CANARY),
            refused("space in header name", "POST /s HTTP/1.1\r\n" + HOST + "Content Length: " + CANARY.length()
                    + "\r\n\r\n" + CANARY),
            refused("DEL in header value", "GET /s HTTP/1.1\r\n" + HOST + "X-A: a\u007fb\r\n\r\n" + CANARY),
            notSmuggled("GET with a body", "GET /s HTTP/1.1\r\n" + HOST + "Content-Length: " + CANARY.length()
                    + "\r\n\r\n" + CANARY),
            notSmuggled("HEAD with a body", "HEAD /s HTTP/1.1\r\n" + HOST + "Content-Length: " + CANARY.length()
                    + "\r\n\r\n" + CANARY),
            notSmuggled("chunked POST with the canary in its body", chunked(Integer.toHexString(CANARY.length())
                    + "\r\n" + CANARY + "\r\n0\r\n\r\n")),
            notSmuggled("HTTP/1.0 keep-alive with a body", "POST /s HTTP/1.0\r\n" + HOST
                    + "Connection: keep-alive\r\nContent-Length: " + CANARY.length() + "\r\n\r\n" + CANARY));

    private static Case refused(String name, String bytes) {
        return new Case(name, bytes, Expect.REFUSED);
    }

    private static Case dropped(String name, String bytes) {
        return new Case(name, bytes, Expect.DROPPED);
    }

    private static Case tolerated(String name, String bytes) {
        return new Case(name, bytes, Expect.ONE_ANSWER_THEN_CLOSED);
    }

    private static Case notSmuggled(String name, String bytes) {
        return new Case(name, bytes, Expect.ONE_ANSWER);
    }

    private static String teObfuscated(String teHeaders) {
        return "POST /s HTTP/1.1\r\n" + HOST + "Content-Length: 6\r\n" + teHeaders + "\r\n0\r\n\r\n" + CANARY;
    }

    private static String chunked(String body) {
        return "POST /s HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n" + body;
    }

    private EdgeFixture f;
    private final List<String> originTargets = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        f = new EdgeFixture();
        f.origin.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                originTargets.add(request.getTarget());
                return new MockResponse.Builder().code(200).setHeader("Cache-Control", "public, max-age=300")
                        .body("ok " + request.getTarget()).build();
            }
        });
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void noSmuggledCanaryEverReachesTheOrigin() throws Exception {
        assertThat(CORPUS).hasSizeGreaterThanOrEqualTo(30);
        List<String> failures = new ArrayList<>();
        for (Case c : CORPUS) {
            RawHttp.Reply reply = RawHttp.exchange(f.edge.port(), c.bytes(), Duration.ofMillis(800));
            if (originTargets.stream().anyMatch(t -> t.contains("smuggled"))) {
                failures.add(c.name() + ": the canary reached the origin");
                originTargets.clear();
            }
            List<Integer> statuses = reply.statuses();
            boolean ok = switch (c.expect()) {
                case REFUSED -> statuses.equals(List.of(400)) && reply.closed();
                case DROPPED -> reply.closed() && statuses.stream().noneMatch(s -> s < 400);
                case ONE_ANSWER_THEN_CLOSED -> statuses.size() <= 1 && reply.closed();
                case ONE_ANSWER -> statuses.size() == 1;
            };
            if (!ok) {
                failures.add(c.name() + ": expected " + c.expect() + ", got " + statuses + " closed="
                        + reply.closed());
            }
        }
        assertThat(failures).isEmpty();
        assertThat(StoreAudit.dump(f.edge.store())).doesNotContain("smuggled");
    }

    @Test
    void theEdgeStillServesNormallyAfterTheCorpus() throws Exception {
        for (Case c : CORPUS) {
            RawHttp.exchange(f.edge.port(), c.bytes(), Duration.ofMillis(300));
        }
        assertThat(f.fetch("/after").code()).isEqualTo(200);
        assertThat(f.fetch("/after").xCache()).isEqualTo("HIT");
    }
}
