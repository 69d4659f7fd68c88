package dev.outpost.edge.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.ListenerLimits;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.config.EdgeLimits;
import dev.outpost.testkit.RawHttp2;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 floods on the edge's HTTPS listener, sent frame by frame: more streams than the listener advertises, the
 * "rapid reset" loop (CVE-2023-44487: a request and its reset, again and again, each starting a miss the edge goes
 * on with), a header block that never ends (CONTINUATION flood) and an HPACK bomb. The edge must bound the origin
 * requests one connection can start by {@code limits.listener.maxConcurrentStreams}, refuse the excess with
 * REFUSED_STREAM, send GOAWAY ENHANCE_YOUR_CALM to a client that keeps going, end a connection whose header block
 * outgrows {@code maxHeaderBytes}, and go on serving everyone else.
 */
class Http2FloodIT {
    private static final int MAX_STREAMS = 16;
    private static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int SETTINGS = 0x4;
    private static final int GOAWAY = 0x7;
    private static final int CONTINUATION = 0x9;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int PROTOCOL_ERROR = 0x1;
    private static final int REFUSED_STREAM = 0x7;
    private static final int CANCEL = 0x8;
    private static final int ENHANCE_YOUR_CALM = 0xb;

    @TempDir
    Path dir;

    private final AtomicInteger originRequests = new AtomicInteger();
    private final List<String> originFieldNames = new CopyOnWriteArrayList<>();
    private EdgeFixture f;
    private TlsEdge edge;

    @BeforeEach
    void start() throws IOException {
        edge = TlsEdge.start(dir, c -> c.withLimits(EdgeLimits.of(new ListenerLimits(null, null, null, null, null,
                null, null, MAX_STREAMS))));
        f = edge.fixture();
        f.origin.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                originRequests.incrementAndGet();
                request.getHeaders().names().forEach(originFieldNames::add);
                MockResponse.Builder answer = new MockResponse.Builder().code(200)
                        .setHeader("Cache-Control", "max-age=300").body("x".repeat(100));
                if (request.getTarget().startsWith("/slow/")) { // a miss that stays in progress
                    answer.headersDelay(1500, TimeUnit.MILLISECONDS);
                }
                return answer.build();
            }
        });
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void aClientWithinTheAdvertisedLimitIsServedInFullOnOneConnection() throws IOException {
        try (RawHttp2 client = connect()) {
            for (int round = 0; round < 2; round++) {
                List<Integer> streams = new ArrayList<>();
                for (int i = 0; i < MAX_STREAMS; i++) {
                    streams.add(open(client, "/slow/fine-" + round + "-" + i));
                }
                Seen seen = read(client, streams.size(), Duration.ofSeconds(15));
                assertThat(seen.statuses).as("round %d", round).hasSize(MAX_STREAMS)
                        .allSatisfy((stream, status) -> assertThat(status).isEqualTo(200));
                if (round == 0) {
                    assertThat(seen.settings).containsEntry(SETTINGS_MAX_CONCURRENT_STREAMS, (long) MAX_STREAMS);
                }
                assertThat(seen.resets).isEmpty();
                assertThat(seen.goAway).isEmpty();
            }
        }
        assertThat(originRequests).hasValue(2 * MAX_STREAMS);
    }

    @Test
    void streamsPastTheLimitAreRefusedAndAClientThatKeepsGoingIsToldToGoAway() throws IOException {
        try (RawHttp2 client = connect()) {
            for (int i = 0; i < 3 * MAX_STREAMS; i++) {
                if (open(client, "/slow/greedy-" + i) < 0) {
                    break;
                }
            }
            Seen seen = read(client, MAX_STREAMS, Duration.ofSeconds(15));
            assertThat(seen.resets.values()).as("refused streams").contains(REFUSED_STREAM).hasSizeGreaterThanOrEqualTo(
                    MAX_STREAMS).allSatisfy(code -> assertThat(code).isEqualTo(REFUSED_STREAM));
            assertThat(seen.goAway).contains(ENHANCE_YOUR_CALM);
        }
        assertThat(originRequests.get()).as("origin requests of one connection").isLessThanOrEqualTo(MAX_STREAMS);
        assertThat(f.fetch("/after-greedy").code()).isEqualTo(200);
        assertThat(h2Get("/after-greedy-h2")).as("a new HTTP/2 connection").contains(200);
    }

    @Test
    void rapidResetStartsNoMoreMissesThanTheLimitAndEndsTheConnection() throws IOException {
        int sent = 0;
        try (RawHttp2 client = connect()) {
            for (; sent < 3000; sent++) {
                int stream = open(client, "/slow/reset-" + sent);
                if (stream < 0 || !client.sendFrame(RST_STREAM, 0, stream, new byte[] {0, 0, 0, CANCEL})) {
                    break;
                }
            }
            Seen seen = read(client, 0, Duration.ofSeconds(5));
            // The edge sends GOAWAY and closes; frames of the flood it never read make its kernel reset the
            // connection, which can discard the GOAWAY before this client reads it: either shows the end.
            assertThat(seen.goAway.isPresent() || client.closedByServer())
                    .as("the connection ended, after %d request + reset pairs", sent).isTrue();
            seen.goAway.ifPresent(code -> assertThat(code).isEqualTo(ENHANCE_YOUR_CALM));
        }
        assertThat(originRequests.get()).as("origin requests started by %d request + reset pairs", sent)
                .isLessThanOrEqualTo(MAX_STREAMS);
        assertThat(h2Get("/after-reset")).as("a new HTTP/2 connection").contains(200);
    }

    /**
     * Undertow ends the connection with GOAWAY PROTOCOL_ERROR once a header block passes
     * {@code limits.listener.maxHeaderBytes}, after reading a few frames of it. The request itself may still be
     * handled without the field it dropped (Undertow's doing): harmless, it is the request a client could send
     * anyway, but the field must never reach the origin.
     */
    @Test
    void headerBlocksThatNeverEndOrDecodeHugeEndTheConnectionAndTheirFieldsNeverReachTheOrigin()
            throws IOException {
        try (RawHttp2 client = connect()) { // CONTINUATION flood: 4 MiB of one field, 16 KiB a frame
            Map.Entry<Integer, byte[]> block = client.headerBlock(":method", "GET", ":scheme", "https",
                    ":authority", EdgeFixture.HOST, ":path", "/continuation", "x-flood", "y".repeat(4 << 20));
            sendInPieces(client, block);
            assertThat(read(client, 0, Duration.ofSeconds(5)).goAway).contains(PROTOCOL_ERROR);
        }
        try (RawHttp2 client = connect()) { // HPACK bomb: one 3,000-byte field indexed, then named 2,000 times
            List<String> fields = new ArrayList<>(List.of(":method", "GET", ":scheme", "https", ":authority",
                    EdgeFixture.HOST, ":path", "/bomb"));
            for (int i = 0; i < 2000; i++) {
                fields.addAll(List.of("x-bomb", "z".repeat(3000)));
            }
            Map.Entry<Integer, byte[]> block = client.headerBlock(fields.toArray(String[]::new));
            assertThat(block.getValue().length).as("the block on the wire").isLessThan(10_000);
            sendInPieces(client, block);
            assertThat(read(client, 0, Duration.ofSeconds(5)).goAway).contains(PROTOCOL_ERROR);
        }
        assertThat(originFieldNames).doesNotContain("x-flood", "x-bomb");
        assertThat(h2Get("/after-bombs")).contains(200);
    }

    @Test
    void aHeadOverMaxHeaderBytesGets431OnItsStreamAndTheConnectionGoesOn() throws IOException {
        try (RawHttp2 client = connect()) {
            Map.Entry<Integer, byte[]> block = client.headerBlock(":method", "GET", ":scheme", "https",
                    ":authority", EdgeFixture.HOST, ":path", "/big-head", "x-pad", "a".repeat(18_000));
            // over the 16 KiB default, under Undertow's own HTTP/2 cap (20,000 bytes: io.undertow.http2-max-header-size)
            sendInPieces(client, block);
            Seen seen = read(client, 1, Duration.ofSeconds(5));
            assertThat(seen.statuses).containsEntry(block.getKey(), 431);
            assertThat(seen.goAway).isEmpty();
            assertThat(client.get(EdgeFixture.HOST, "/after-big-head").status()).contains(200);
        }
        assertThat(originFieldNames).doesNotContain("x-pad");
    }

    private RawHttp2 connect() throws IOException {
        return edge.connect();
    }

    /** Opens a stream with a GET of {@code path}; its id, or -1 when the server has closed the connection. */
    private static int open(RawHttp2 client, String path) throws IOException {
        Map.Entry<Integer, byte[]> block = client.headerBlock(":method", "GET", ":scheme", "https", ":authority",
                EdgeFixture.HOST, ":path", path);
        return client.sendFrame(HEADERS, END_HEADERS | END_STREAM, block.getKey(), block.getValue())
                ? block.getKey() : -1;
    }

    /** Sends a header block in frames of 16 KiB, until its end or the server's close. */
    private static void sendInPieces(RawHttp2 client, Map.Entry<Integer, byte[]> block) {
        byte[] bytes = block.getValue();
        int sent = 0;
        while (sent < bytes.length) {
            int end = Math.min(bytes.length, sent + 16384);
            int flags = (sent == 0 ? END_STREAM : 0) | (end == bytes.length ? END_HEADERS : 0);
            if (!client.sendFrame(sent == 0 ? HEADERS : CONTINUATION, flags, block.getKey(),
                    Arrays.copyOfRange(bytes, sent, end))) {
                break; // the server closed the connection before the end: what the test expects
            }
            sent = end;
        }
    }

    /** A GET on a fresh HTTP/2 connection: its status. */
    private Optional<Integer> h2Get(String path) throws IOException {
        try (RawHttp2 client = connect()) {
            return client.get(EdgeFixture.HOST, path).status();
        }
    }

    /** What the server sent on one connection. */
    private static final class Seen {
        final Map<Integer, Long> settings = new HashMap<>();
        final Map<Integer, Integer> statuses = new HashMap<>();
        final Map<Integer, Integer> resets = new HashMap<>();
        Optional<Integer> goAway = Optional.empty();
    }

    /**
     * Reads until {@code answers} streams have their status, the server sends GOAWAY or closes, or {@code wait}
     * passes.
     */
    private static Seen read(RawHttp2 client, int answers, Duration wait) throws IOException {
        Seen seen = new Seen();
        long end = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < end && (answers == 0 || seen.statuses.size() < answers)) {
            Optional<RawHttp2.Frame> next = client.readFrame(Duration.ofMillis(200));
            if (next.isEmpty()) {
                if (client.closedByServer()) {
                    break;
                }
                continue;
            }
            RawHttp2.Frame frame = next.get();
            ByteBuffer payload = ByteBuffer.wrap(frame.payload());
            switch (frame.type()) {
                case SETTINGS -> {
                    while (payload.remaining() >= 6) {
                        seen.settings.put(payload.getShort() & 0xffff, payload.getInt() & 0xffffffffL);
                    }
                }
                case HEADERS -> {
                    String status = client.fieldsOf(frame).get(":status");
                    if (status != null) {
                        seen.statuses.put(frame.stream(), Integer.parseInt(status));
                    }
                }
                case RST_STREAM -> seen.resets.put(frame.stream(), payload.getInt());
                case GOAWAY -> {
                    payload.getInt(); // last stream id
                    seen.goAway = Optional.of(payload.getInt());
                    return seen;
                }
                default -> {
                    // DATA, WINDOW_UPDATE, PING: nothing to check
                }
            }
        }
        return seen;
    }
}
