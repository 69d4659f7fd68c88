package dev.outpost.testkit;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake origin for tests of what sits in front of an origin: a raw HTTP/1.1 server on {@code 127.0.0.1:0} that
 * answers every request with what the test's {@link Responder} returns, byte for byte as told. Raw sockets, not an
 * HTTP library, because the tests need what a library will not do on purpose: stop in the middle of a body until the
 * test lets it go ({@link Hold}), close the connection mid-body ({@link Answer#cutAt}), or stream a body far larger
 * than memory ({@link Body}). Reads request heads only (no request bodies: it is an origin for GET and HEAD);
 * answers {@code HEAD} with the head alone. Keeps connections alive, counts requests (in all and per path), keeps
 * every request head it read, and counts the answers it sent to their end, so a test can tell when the other side
 * read a body whole.
 *
 * <pre>{@code
 * Hold half = new Hold();
 * try (FakeOrigin origin = FakeOrigin.start(request -> Answer.ok(body).header("Cache-Control", "max-age=60")
 *         .holdAt(body.length / 2, half))) {
 *     ...
 *     half.awaitReached();
 *     half.release();
 *     assertThat(origin.requests("/app.js")).isEqualTo(1);
 * }
 * }</pre>
 */
public final class FakeOrigin implements AutoCloseable {
    /** How long a held answer waits for its release before it goes on anyway, so no test hangs for ever. */
    private static final long RELEASE_WAIT_SECONDS = 30;

    /** The buffer that sends an answer followed by excess in one write (test answers are smaller). */
    private static final int WHOLE_ANSWER = 1 << 20;

    private final ServerSocket socket;
    private final Responder responder;
    private final AtomicInteger requests = new AtomicInteger();
    private final Map<String, AtomicInteger> requestsPerPath = new ConcurrentHashMap<>();
    private final List<Request> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger answeredWhole = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger openConnections = new AtomicInteger();
    /** Every hold of an answer sent: released on close, so no connection thread outlives the test. */
    private final Set<Hold> holds = ConcurrentHashMap.newKeySet();

    /**
     * What the origin answers a request with; called once per request, on that connection's thread. It builds a new
     * {@link Answer} each time (an answer is built step by step, so not to be shared).
     */
    @FunctionalInterface
    public interface Responder {
        Answer answer(Request request);
    }

    /**
     * A request as the origin read it.
     *
     * @param number      its place among all requests this origin read, from 1
     * @param method      {@code GET}, {@code HEAD}, ...
     * @param target      the request target as sent ({@code /path?query})
     * @param headerLines the header lines as sent, without their CRLF
     */
    public record Request(int number, String method, String target, List<String> headerLines) {
        public Request {
            headerLines = List.copyOf(headerLines);
        }

        /** The target without its query. */
        public String path() {
            int query = target.indexOf('?');
            return query < 0 ? target : target.substring(0, query);
        }

        /** The first value of the header {@code name} (any case), trimmed. */
        public Optional<String> header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            return headerLines.stream().filter(l -> l.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(l -> l.substring(prefix.length()).trim()).findFirst();
        }
    }

    /** A body written as it is sent, never held whole: for bodies larger than a test may keep in memory. */
    public interface Body {
        long length();

        /** Writes the whole body to {@code out} (in chunked framing, each write is one chunk). */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * A place in an answer where the origin stops sending: it flushes what it sent so far, counts the hold
     * reached, and waits until the test {@linkplain #release releases} it (at most 30 s).
     */
    public static final class Hold {
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        /** Waits (up to 10 s) until an answer stopped here; fails the test if none did. */
        public void awaitReached() throws InterruptedException {
            if (!reached.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the origin never reached this hold in an answer");
            }
        }

        /** Whether an answer stopped here already. */
        public boolean reached() {
            return reached.getCount() == 0;
        }

        /** Lets the answers held here go on (or, for {@link Answer#cutAt}, close). */
        public void release() {
            released.countDown();
        }

        void stopHere() throws InterruptedException {
            reached.countDown();
            released.await(RELEASE_WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /**
     * What to send: a status, header lines in the order given, and a body framed with {@code Content-Length}
     * (the default), {@code Transfer-Encoding: chunked}, or neither (ends when the connection closes), stopping at
     * the holds given and perhaps closing the connection before the end.
     */
    public static final class Answer {
        private final int status;
        private final String reason;
        private final List<String> headers = new ArrayList<>();
        private final byte[] bytes;
        private final Body generated;
        private Framing framing = Framing.CONTENT_LENGTH;
        /** Where to stop sending, in body order: after that many body bytes. */
        private final List<Stop> stops = new ArrayList<>();
        private byte[] excess = new byte[0];
        private Duration excessDelay = Duration.ZERO;

        private enum Framing { CONTENT_LENGTH, CHUNKED, CLOSE_DELIMITED }

        private Answer(int status, String reason, byte[] bytes, Body generated) {
            this.status = status;
            this.reason = reason;
            this.bytes = bytes;
            this.generated = generated;
        }

        /** {@code 200 OK} with {@code body}. */
        public static Answer ok(byte[] body) {
            return new Answer(200, "OK", body, null);
        }

        /** {@code 200 OK} with {@code body} in UTF-8. */
        public static Answer ok(String body) {
            return ok(body.getBytes(StandardCharsets.UTF_8));
        }

        /** {@code 200 OK} with a body written as it is sent. */
        public static Answer ok(Body body) {
            return new Answer(200, "OK", null, body);
        }

        /** Any status and reason phrase, with {@code body}. */
        public static Answer status(int status, String reason, byte[] body) {
            return new Answer(status, reason, body, null);
        }

        public Answer header(String name, String value) {
            headers.add(name + ": " + value);
            return this;
        }

        /** Sends the body chunked instead of with a {@code Content-Length}. */
        /**
         * Sends {@code bytes} after the body, beyond its framing, on a connection kept alive: what a broken origin
         * does when its body outgrows its {@code Content-Length}. The next answer on that connection starts after
         * them, so a client that reuses the connection reads them where a status line should be.
         */
        public Answer excessAfterBody(String bytes) {
            excess = bytes.getBytes(StandardCharsets.ISO_8859_1);
            return this;
        }

        /**
         * As {@link #excessAfterBody(String)}, sent {@code delay} after the body (on an idle connection by then;
         * {@link #answeredWhole()} counts the answer once they were written). Without a delay, the head, the body
         * and the excess go out in one write.
         */
        public Answer excessAfterBody(String bytes, Duration delay) {
            excessDelay = delay;
            return excessAfterBody(bytes);
        }

        public Answer chunked() {
            framing = Framing.CHUNKED;
            return this;
        }

        /** Announces no length: the body ends when the origin closes the connection (and it does, after it). */
        public Answer closeDelimited() {
            framing = Framing.CLOSE_DELIMITED;
            return this;
        }

        /** Stops after {@code offset} body bytes until {@code hold} is released; holds must come in body order. */
        public Answer holdAt(long offset, Hold hold) {
            return stopAt(new Stop(offset, hold, false));
        }

        /**
         * Closes the connection after {@code offset} body bytes instead of sending the rest (in chunked framing,
         * without the last chunk); with a {@code hold}, only once it is released.
         */
        public Answer cutAt(long offset, Hold hold) {
            return stopAt(new Stop(offset, hold, true));
        }

        /** Closes the connection after {@code offset} body bytes instead of sending the rest. */
        public Answer cutAt(long offset) {
            return cutAt(offset, null);
        }

        private Answer stopAt(Stop stop) {
            long previous = stops.isEmpty() ? -1 : stops.getLast().offset();
            if (!stops.isEmpty() && stops.getLast().cut()) {
                throw new IllegalArgumentException("nothing is sent after the cut at " + previous);
            }
            if (stop.offset() <= previous || stop.offset() >= length()) {
                throw new IllegalArgumentException("a hold or cut must lie after the previous one (" + previous
                        + ") and before the end of the body (" + length() + " bytes), was at " + stop.offset());
            }
            stops.add(stop);
            return this;
        }

        long length() {
            return bytes != null ? bytes.length : generated.length();
        }

        byte[] head() {
            StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason)
                    .append("\r\n");
            switch (framing) {
                case CONTENT_LENGTH -> head.append("Content-Length: ").append(length()).append("\r\n");
                case CHUNKED -> head.append("Transfer-Encoding: chunked\r\n");
                case CLOSE_DELIMITED -> head.append("Connection: close\r\n");
            }
            headers.forEach(h -> head.append(h).append("\r\n"));
            return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    /** A place to stop in a body; {@code hold} may be null only for a cut that happens at once. */
    private record Stop(long offset, Hold hold, boolean cut) {
    }

    private FakeOrigin(Responder responder) throws IOException {
        this.responder = responder;
        socket = new ServerSocket(0, 100, InetAddress.getByName("127.0.0.1"));
        Thread.ofVirtual().name("fake-origin-accept").start(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    connections.incrementAndGet();
                    openConnections.incrementAndGet();
                    Thread.ofVirtual().start(() -> {
                        try {
                            serve(s);
                        } finally {
                            openConnections.decrementAndGet();
                        }
                    });
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    /** Starts an origin on a free loopback port answering every request with what {@code responder} returns. */
    public static FakeOrigin start(Responder responder) throws IOException {
        return new FakeOrigin(responder);
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    /** Requests read so far, all paths. */
    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Connections open now: accepted and not yet ended by either side. */
    public int openConnections() {
        return openConnections.get();
    }

    public int requests() {
        return requests.get();
    }

    /** Requests read so far for {@code path} (the target without its query). */
    public int requests(String path) {
        AtomicInteger count = requestsPerPath.get(path);
        return count == null ? 0 : count.get();
    }

    /** The requests read so far, in the order they were read. */
    public List<Request> received() {
        return List.copyOf(received);
    }

    /** Answers sent to their end (not cut, not ended by the other side). */
    public int answeredWhole() {
        return answeredWhole.get();
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (Optional<String> head = readHead(in); head.isPresent(); head = readHead(in)) {
                Request request = parse(head.get());
                received.add(request);
                requestsPerPath.computeIfAbsent(request.path(), p -> new AtomicInteger()).incrementAndGet();
                Answer answer = responder.answer(request);
                answer.stops.stream().map(Stop::hold).filter(h -> h != null).forEach(holds::add);
                // Excess sent with the body leaves in one write with the whole answer, as from a server that
                // miscounted its Content-Length: whoever reads the body's end has the excess too, however late the
                // threads here run (separate writes would let a client read the end of the body before the excess).
                OutputStream answerOut = answer.excess.length > 0 && answer.excessDelay.isZero()
                        ? new BufferedOutputStream(out, WHOLE_ANSWER) : out;
                answerOut.write(answer.head());
                if (request.method().equals("HEAD")) {
                    answerOut.flush(); // the head alone, as for a GET
                } else if (!sendBody(answer, answerOut)) {
                    return; // cut: the connection closes mid-body
                }
                answeredWhole.incrementAndGet();
                if (answer.framing == Answer.Framing.CLOSE_DELIMITED) {
                    return;
                }
            }
        } catch (IOException | InterruptedException e) {
            // closed by the other side or the test
        }
    }

    /** Sends the body, stopping where told; false when the answer was cut (the connection is to be closed). */
    private boolean sendBody(Answer answer, OutputStream socketOut) throws IOException, InterruptedException {
        OutputStream out = answer.framing == Answer.Framing.CHUNKED ? new Chunks(socketOut) : socketOut;
        if (answer.stops.isEmpty() && answer.generated != null) {
            answer.generated.writeTo(out);
        } else {
            byte[] body = answer.bytes != null ? answer.bytes : drain(answer.generated);
            int from = 0;
            for (Stop stop : answer.stops) {
                int to = Math.toIntExact(stop.offset());
                out.write(body, from, to - from);
                out.flush();
                from = to;
                if (stop.hold() != null) {
                    stop.hold().stopHere();
                }
                if (stop.cut()) {
                    return false;
                }
            }
            out.write(body, from, body.length - from);
        }
        if (out instanceof Chunks) {
            socketOut.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        if (!answer.excessDelay.isZero()) {
            socketOut.flush();
            Thread.sleep(answer.excessDelay);
        }
        socketOut.write(answer.excess);
        socketOut.flush();
        return true;
    }

    /** A generated body made bytes, for the rare test that holds or cuts one (kept small by the test). */
    private static byte[] drain(Body body) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        body.writeTo(bytes);
        return bytes.toByteArray();
    }

    /** Chunked framing: each write one chunk. */
    private static final class Chunks extends FilterOutputStream {
        Chunks(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return; // an empty chunk would end the body
            }
            out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b, off, len);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void close() {
            // the socket is closed by its connection, not by the framing
        }
    }

    /** Reads a request head up to its blank line; empty when the connection ended first. */
    private static Optional<String> readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                return Optional.empty();
            }
            head.append((char) c);
            state = (c == '\r' && state % 2 == 0) || (c == '\n' && state % 2 == 1) ? state + 1 : 0;
        }
        return Optional.of(head.toString());
    }

    private Request parse(String head) {
        List<String> lines = head.lines().filter(l -> !l.isEmpty()).toList();
        String[] requestLine = lines.getFirst().split(" ");
        return new Request(requests.incrementAndGet(), requestLine[0], requestLine.length > 1 ? requestLine[1] : "",
                lines.subList(1, lines.size()));
    }

    @Override
    public void close() throws IOException {
        holds.forEach(Hold::release);
        socket.close();
    }
}
