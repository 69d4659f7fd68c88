package dev.outpost.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.testkit.FakeOrigin.Answer;
import dev.outpost.testkit.FakeOrigin.Hold;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** The fake origin does what the tests built on it count on, seen from a real client on loopback. */
class FakeOriginIT {
    private final OkHttpClient client = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();

    @Test
    void countsRequestsInAllAndPerPathAndKeepsTheirHeads() throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(request -> Answer.ok("at " + request.path())
                .header("Cache-Control", "max-age=60"))) {
            assertThat(get(origin, "/a", "If-None-Match", "\"v1\"")).isEqualTo("at /a");
            assertThat(get(origin, "/a?x=1", "X-Test", "yes")).isEqualTo("at /a");
            assertThat(get(origin, "/b", "X-Test", "no")).isEqualTo("at /b");

            assertThat(origin.requests()).isEqualTo(3);
            assertThat(origin.requests("/a")).isEqualTo(2);
            assertThat(origin.requests("/b")).isEqualTo(1);
            assertThat(origin.requests("/c")).isZero();
            assertThat(origin.received()).extracting(FakeOrigin.Request::number, FakeOrigin.Request::target)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "/a"),
                            org.assertj.core.groups.Tuple.tuple(2, "/a?x=1"),
                            org.assertj.core.groups.Tuple.tuple(3, "/b"));
            assertThat(origin.received().getFirst().header("if-none-match")).hasValue("\"v1\"");
            assertThat(origin.answeredWhole()).isEqualTo(3);
        }
    }

    @Test
    void aHeldAnswerSendsItsHeadAndFirstBytesThenTheRestOnlyOnceReleased() throws Exception {
        Hold hold = new Hold();
        try (FakeOrigin origin = FakeOrigin.start(request -> Answer.ok("0123456789").holdAt(4, hold));
                Socket s = new Socket(origin.uri().getHost(), origin.uri().getPort())) {
            s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            hold.awaitReached();
            String head = readUntil(s.getInputStream(), "\r\n\r\n");
            assertThat(head).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 10\r\n");
            assertThat(new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("0123");
            assertThat(origin.answeredWhole()).isZero();

            hold.release();
            assertThat(new String(s.getInputStream().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("456789");
        }
    }

    @Test
    void aCutAnswerClosesTheConnectionBeforeTheBodyEnds() throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(request -> Answer.ok(new byte[100]).cutAt(50))) {
            assertThatThrownBy(() -> get(origin, "/cut", "X-Test", "cut")).isInstanceOf(IOException.class);
            assertThat(origin.answeredWhole()).isZero();
        }
    }

    @Test
    void aChunkedAnswerIsFramedChunkByChunkAndEndsWithTheLastChunk() throws Exception {
        FakeOrigin.Body twoWrites = new FakeOrigin.Body() {
            @Override
            public long length() {
                return 5;
            }

            @Override
            public void writeTo(java.io.OutputStream out) throws IOException {
                out.write("abc".getBytes(StandardCharsets.US_ASCII));
                out.write("de".getBytes(StandardCharsets.US_ASCII));
            }
        };
        try (FakeOrigin origin = FakeOrigin.start(request -> Answer.ok(twoWrites).chunked());
                Socket s = new Socket(origin.uri().getHost(), origin.uri().getPort())) {
            s.getOutputStream().write("GET /c HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = readUntil(s.getInputStream(), "0\r\n\r\n");
            assertThat(answer).contains("Transfer-Encoding: chunked\r\n").doesNotContain("Content-Length")
                    .endsWith("\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
        }
    }

    private String get(FakeOrigin origin, String target, String header, String value) throws IOException {
        Request request = new Request.Builder().url(origin.uri() + target).header(header, value).build();
        try (Response response = client.newCall(request).execute()) {
            return response.body().string();
        }
    }

    private static String readUntil(InputStream in, String end) throws IOException {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        while (!read.toString(StandardCharsets.US_ASCII).endsWith(end)) {
            int c = in.read();
            if (c < 0) {
                throw new AssertionError("the connection ended before " + end.strip() + ": " + read);
            }
            read.write(c);
        }
        return read.toString(StandardCharsets.US_ASCII);
    }
}
