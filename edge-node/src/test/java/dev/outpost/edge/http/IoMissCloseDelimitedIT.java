package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.origin.IoCounts;
import dev.outpost.edge.origin.IoOrigin;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * A miss whose origin answer has neither Content-Length nor chunked framing (its body ends when the origin closes
 * the connection: HTTP/1.1 or HTTP/1.0) is answered with the exact bytes from that one origin request, and not
 * stored ({@code detail=unknown-length}: a close cannot be told from a cut). The same on both paths: by default
 * (the IO thread path on) the IO thread's client reads the body from the connection the head came
 * on (counted {@code close_delimited}), never asking the origin a second time; with {@code -Doutpost.fetchOnIoThread=false}, the blocking client.
 */
class IoMissCloseDelimitedIT {
    private static byte[] body(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 7 + i / 251);
        }
        return b;
    }

    /**
     * A raw origin: reads a request head, answers {@code head} and the body in one write, and closes: the close
     * is the body's end. Or, with {@code cutAt} at 0 or more, sends that many body bytes and resets the connection
     * once {@code reset} is released. Counts the requests.
     */
    private static final class ClosingOrigin implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        private final AtomicInteger requests = new AtomicInteger();
        private final Thread acceptor;

        ClosingOrigin(String head, byte[] body) throws IOException {
            this(head, body, -1, new CountDownLatch(0));
        }

        ClosingOrigin(String head, byte[] body, int cutAt, CountDownLatch reset) throws IOException {
            byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
            int sent = cutAt < 0 ? body.length : cutAt;
            byte[] answer = new byte[headBytes.length + sent];
            System.arraycopy(headBytes, 0, answer, 0, headBytes.length);
            System.arraycopy(body, 0, answer, headBytes.length, sent);
            acceptor = Thread.ofPlatform().daemon().name("closing-origin").start(() -> {
                while (!socket.isClosed()) {
                    try (Socket c = socket.accept()) {
                        if (!readHead(c.getInputStream())) {
                            continue;
                        }
                        requests.incrementAndGet();
                        OutputStream out = c.getOutputStream();
                        out.write(answer);
                        out.flush();
                        if (cutAt >= 0) {
                            reset.await(20, TimeUnit.SECONDS);
                            c.setSoLinger(true, 0); // the close below resets the connection mid-body
                        }
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException e) {
                        // the socket closed (the test ended), or the edge went away: nothing to answer
                    }
                }
            });
        }

        private static boolean readHead(InputStream in) throws IOException {
            int state = 0;
            while (state < 4) {
                int c = in.read();
                if (c < 0) {
                    return false;
                }
                state = (c == '\r' && state % 2 == 0) || (c == '\n' && state % 2 == 1) ? state + 1 : 0;
            }
            return true;
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        int requests() {
            return requests.get();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            acceptor.join(5_000);
        }
    }

    private static String head(String statusLine) {
        return statusLine + "\r\nCache-Control: max-age=600\r\nContent-Type: application/octet-stream\r\n"
                + "Connection: close\r\n\r\n";
    }

    /**
     * A miss answered with the exact bytes from one origin request and not stored, as the blocking path answers
     * it: the URL is then passed (the next request goes to the origin again, one request each). With the path on,
     * read by the IO thread's client. (Whether the client gets a Content-Length or a chunked body depends, on
     * either path, on whether the origin's close came before the body was relayed: not asserted.)
     */
    private static void answeredExactlyFromOneRequestAndNotStored(String statusLine, byte[] body) throws Exception {
        long before = IoCounts.counted(IoCounts.Count.CLOSE_DELIMITED);
        try (ClosingOrigin origin = new ClosingOrigin(head(statusLine), body);
                EdgeFixture f = new EdgeFixture(UnaryOperator.identity(), List.of(origin.uri()))) {
            try (Response miss = f.get("/object")) {
                assertThat(miss.code()).isEqualTo(200);
                assertThat(miss.header("X-Cache")).isEqualTo("MISS");
                assertThat(miss.header("Cache-Status"))
                        .isEqualTo("Outpost; fwd=miss; fwd-status=200; detail=unknown-length");
                assertThat(miss.header("Content-Type")).isEqualTo("application/octet-stream");
                assertThat(miss.header("Cache-Control")).isEqualTo("max-age=600");
                assertThat(miss.body().bytes()).isEqualTo(body);
            }
            assertThat(origin.requests()).as("one origin request").isEqualTo(1);
            try (Response passed = f.get("/object")) {
                assertThat(passed.header("X-Cache")).as("not stored: the URL is passed").isEqualTo("BYPASS");
                assertThat(passed.header("Cache-Status"))
                        .isEqualTo("Outpost; fwd=bypass; fwd-status=200; detail=hit-for-pass");
                assertThat(passed.body().bytes()).isEqualTo(body);
            }
            assertThat(origin.requests()).as("one origin request for the passed one too").isEqualTo(2);
        }
        if (IoOrigin.ENABLED) {
            assertThat(IoCounts.counted(IoCounts.Count.CLOSE_DELIMITED)).as("read by the IO thread's client")
                    .isGreaterThan(before);
        }
    }

    @Test
    void aSmallCloseDelimitedBodyIsAnsweredExactlyFromOneOriginRequest() throws Exception {
        answeredExactlyFromOneRequestAndNotStored("HTTP/1.1 200 OK", body(2048));
    }

    @Test
    void aLargeCloseDelimitedBodyIsAnsweredExactlyFromOneOriginRequest() throws Exception {
        // more than the IO thread reads into memory itself (64 KiB): the rest is read on a fetch thread
        answeredExactlyFromOneRequestAndNotStored("HTTP/1.1 200 OK", body(200_000));
    }

    @Test
    void anHttp10AnswerIsAnsweredExactlyFromOneOriginRequest() throws Exception {
        answeredExactlyFromOneRequestAndNotStored("HTTP/1.0 200 OK", body(2048));
    }

    @Test
    void aCloseDelimitedBodyCutByAResetReachesNoClientWholeAndIsNotAskedAgain() throws Exception {
        byte[] body = body(200_000);
        long before = IoCounts.counted(IoCounts.Count.CLOSE_DELIMITED);
        CountDownLatch reset = new CountDownLatch(1);
        try (ClosingOrigin origin = new ClosingOrigin(head("HTTP/1.1 200 OK"), body, body.length / 2, reset);
                EdgeFixture f = new EdgeFixture(UnaryOperator.identity(), List.of(origin.uri()))) {
            try (Response cut = f.get("/cut")) {
                assertThat(cut.code()).isEqualTo(200);
                assertThat(cut.header("X-Cache")).isEqualTo("MISS");
                reset.countDown(); // the head was relayed: the origin now resets the connection mid-body
                // a reset is no close: the client's answer is cut off, never taken for a whole one
                assertThatThrownBy(() -> cut.body().bytes()).isInstanceOf(IOException.class);
            } finally {
                reset.countDown();
            }
            assertThat(origin.requests()).as("the cut answer was not asked for again").isEqualTo(1);
        }
        if (IoOrigin.ENABLED) {
            assertThat(IoCounts.counted(IoCounts.Count.CLOSE_DELIMITED)).isGreaterThan(before);
        }
    }
}
