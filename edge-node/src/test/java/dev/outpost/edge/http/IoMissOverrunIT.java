package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.origin.IoCounts;
import dev.outpost.edge.origin.IoOrigin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * Bytes an origin sends beyond the framing of a body too large to be read on the IO thread (read by a filler
 * thread from the open response: {@code IoChannelBody}), in the same write as the body's end: the answer is
 * delivered as announced but not stored ({@code origin-overran}), the connection is closed, and nothing of the
 * excess (junk, or a whole response smuggled after the body) reaches anyone. With {@code origin.fetchOnIoThread}
 * on, the test also checks the answer went on from the IO thread's response; off, the blocking path keeps the
 * same promises (FramingCheck). A raw socket origin, so that the body's end and the excess go out in one write.
 */
class IoMissOverrunIT {
    private static final int SIZE = 200_000; // over the 64 KiB the IO thread reads into memory itself
    private static final String JUNK = "garbage after the body ".repeat(8);
    private static final String SMUGGLED =
            "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nCache-Control: max-age=86400\r\n\r\nPOISON";

    @Test
    void junkAfterALargeContentLengthBodyIsNeitherStoredNorServed() throws Exception {
        overranAnswerIsDeliveredNotStored(false, JUNK);
    }

    @Test
    void aResponseSmuggledAfterALargeContentLengthBodyIsNeitherStoredNorServed() throws Exception {
        overranAnswerIsDeliveredNotStored(false, SMUGGLED);
    }

    @Test
    void junkAfterTheLastChunkOfALargeBodyIsNeitherStoredNorServed() throws Exception {
        overranAnswerIsDeliveredNotStored(true, JUNK);
    }

    @Test
    void junkAfterAnAnswerThatClosesItsConnectionIsNotStored() throws Exception {
        overranAnswerIsDeliveredNotStored(false, "Connection: close\r\n", JUNK);
        overranAnswerIsDeliveredNotStored(true, "Connection: close\r\n", JUNK);
    }

    @Test
    void aResponseSmuggledAfterTheLastChunkOfALargeBodyIsNeitherStoredNorServed() throws Exception {
        overranAnswerIsDeliveredNotStored(true, SMUGGLED);
    }

    private static void overranAnswerIsDeliveredNotStored(boolean chunked, String excess) throws Exception {
        overranAnswerIsDeliveredNotStored(chunked, "", excess);
    }

    /** {@code /big} answered with {@code moreHeaders} and {@code excess} after its body, twice; {@code /next} too. */
    private static void overranAnswerIsDeliveredNotStored(boolean chunked, String moreHeaders, String excess)
            throws Exception {
        byte[] body = body();
        long continuedBefore = continued();
        try (RawOrigin origin = new RawOrigin(path -> path.equals("/big")
                ? concat(chunked ? chunkedAnswer(body, moreHeaders) : lengthAnswer(body, moreHeaders), ascii(excess))
                : ascii("HTTP/1.1 200 OK\r\nContent-Length: " + ("fine " + path).length()
                        + "\r\nCache-Control: max-age=600\r\n\r\nfine " + path));
                EdgeFixture f = new EdgeFixture(UnaryOperator.identity(), List.of(origin.uri()))) {
            for (int i = 0; i < 2; i++) {
                try (Response big = f.get("/big")) {
                    assertThat(big.code()).isEqualTo(200);
                    assertThat(big.body().bytes()).as("the body as announced, nothing after it").isEqualTo(body);
                    assertThat(big.header("X-Cache")).as("an answer that overran is not stored").isEqualTo("MISS");
                }
                for (int j = 0; j < 2; j++) {
                    EdgeFixture.Answer next = f.fetch("/next");
                    assertThat(next.body()).as("never what the origin sent after /big").isEqualTo("fine /next");
                    assertThat(next.xCache()).isEqualTo(i == 0 && j == 0 ? "MISS" : "HIT");
                }
            }
            assertThat(origin.requests("/big")).isEqualTo(2);
            assertThat(origin.requests("/next")).isEqualTo(1);
            assertThat(f.fetch("/_edge/metrics").body())
                    .contains("edge_origin_bodies_rejected_total{reason=\"origin-overran\"} 2.0");
        }
        if (IoOrigin.ENABLED) {
            assertThat(continued()).as("both went on from the IO thread's response on a filler thread")
                    .isGreaterThanOrEqualTo(continuedBefore + 2);
        }
    }

    private static long continued() {
        return IoCounts.counted(IoCounts.Count.CONTINUED_LARGE_BODY)
                + IoCounts.counted(IoCounts.Count.CONTINUED_UNKNOWN_LENGTH)
                + IoCounts.counted(IoCounts.Count.CONTINUED_SLOW_BODY);
    }

    private static byte[] body() {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            b[i] = (byte) ('a' + (i * 7 + i / 251) % 26);
        }
        return b;
    }

    private static byte[] lengthAnswer(byte[] body, String moreHeaders) {
        return concat(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nCache-Control: max-age=600\r\n"
                + "Content-Type: application/octet-stream\r\n" + moreHeaders + "\r\n"), body);
    }

    private static byte[] chunkedAnswer(byte[] body, String moreHeaders) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nCache-Control: max-age=600\r\n"
                + "Content-Type: application/octet-stream\r\n" + moreHeaders + "\r\n"));
        for (int at = 0; at < body.length; at += 16_384) {
            int n = Math.min(16_384, body.length - at);
            out.writeBytes(ascii(Integer.toHexString(n) + "\r\n"));
            out.write(body, at, n);
            out.writeBytes(ascii("\r\n"));
        }
        out.writeBytes(ascii("0\r\n\r\n"));
        return out.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }

    /** An origin on a plain socket: each request's answer (by path) written whole in one write, kept alive. */
    private static final class RawOrigin implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        private final Function<String, byte[]> answers;
        private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
        private final List<Socket> connections = new CopyOnWriteArrayList<>();

        RawOrigin(Function<String, byte[]> answers) throws IOException {
            this.answers = answers;
            Thread.ofVirtual().start(this::accept);
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort());
        }

        int requests(String path) {
            return requests.getOrDefault(path, new AtomicInteger()).get();
        }

        private void accept() {
            try {
                while (true) {
                    Socket s = server.accept();
                    connections.add(s);
                    Thread.ofVirtual().start(() -> serve(s));
                }
            } catch (IOException closed) {
                // the test is over
            }
        }

        private void serve(Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                for (String path; (path = requestPath(in)) != null; ) {
                    requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                    out.write(answers.apply(path)); // the body's end and whatever follows it: one write
                    out.flush();
                }
            } catch (IOException closed) {
                // the edge closed the connection (as it must after an answer that overran)
            }
        }

        /** The path of the next request's head (GETs only, no body), or null at the connection's end. */
        private static String requestPath(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int last4 = 0;
            for (int b; (b = in.read()) >= 0; ) {
                head.write(b);
                last4 = (last4 << 8) | b;
                if (last4 == 0x0d0a0d0a) {
                    String requestLine = head.toString(StandardCharsets.ISO_8859_1).split("\r\n", 2)[0];
                    return requestLine.split(" ")[1];
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : connections) {
                s.close();
            }
        }
    }
}
