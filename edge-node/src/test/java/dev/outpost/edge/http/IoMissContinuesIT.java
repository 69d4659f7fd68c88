package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.origin.IoCounts;
import dev.outpost.edge.origin.IoOrigin;
import dev.outpost.testkit.FakeOrigin;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * A miss whose origin answer is not a small body whole with its head (chunked, close-delimited, over 64 KiB,
 * or slow to arrive) is answered whole and correct from that one origin answer: the IO thread's client (on by default;
 * off with {@code -Doutpost.fetchOnIoThread=false}) hands the open response over instead of asking the origin again, and the
 * head reaches the client while the origin still holds the body. The same holds on the blocking path (the
 * property off); with it on, the test also checks the answer went on from the IO thread's response. Structural,
 * no timings: the origin holds its body until the client saw what must come first.
 */
class IoMissContinuesIT {
    private static byte[] body(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 7 + i / 251);
        }
        return b;
    }

    private static FakeOrigin origin(byte[] body, UnaryOperator<FakeOrigin.Answer> shape) throws IOException {
        return FakeOrigin.start(request -> shape.apply(FakeOrigin.Answer.ok(body)
                .header("Cache-Control", "max-age=600").header("Content-Type", "application/octet-stream")));
    }

    private static EdgeFixture edgeIn(FakeOrigin origin) throws IOException {
        return new EdgeFixture(UnaryOperator.identity(), List.of(origin.uri()));
    }

    /**
     * A miss answered whole from one origin request, then a hit; with the fast path on, counted as one of
     * {@code ways} (which one may depend on how fast the bytes come).
     */
    private static void answeredWholeFromOneRequest(FakeOrigin origin, byte[] body, IoCounts.Count... ways)
            throws Exception {
        answeredWholeFromOneRequest(origin, body, true, ways);
    }

    /**
     * As {@link #answeredWholeFromOneRequest}, for an answer the edge does not store: a close-delimited body, whose
     * end cannot be told from a cut ({@link IoMissCloseDelimitedIT} checks what the requests after it get).
     */
    private static void answeredWholeFromOneRequestUnstored(FakeOrigin origin, byte[] body, IoCounts.Count way)
            throws Exception {
        answeredWholeFromOneRequest(origin, body, false, way);
    }

    private static void answeredWholeFromOneRequest(FakeOrigin origin, byte[] body, boolean stored,
            IoCounts.Count... ways) throws Exception {
        long before = counted(ways);
        try (EdgeFixture f = edgeIn(origin)) {
            try (Response miss = f.get("/object")) {
                assertThat(miss.code()).isEqualTo(200);
                assertThat(miss.header("X-Cache")).isEqualTo("MISS");
                assertThat(miss.body().bytes()).isEqualTo(body);
            }
            assertThat(origin.requests()).as("one origin request").isEqualTo(1);
            if (stored) {
                try (Response hit = f.get("/object")) {
                    assertThat(hit.header("X-Cache")).isEqualTo("HIT");
                    assertThat(hit.body().bytes()).isEqualTo(body);
                }
                assertThat(origin.requests()).isEqualTo(1);
            }
        }
        if (IoOrigin.ENABLED) {
            assertThat(counted(ways)).as("went on from, or was read by, the IO thread's client").isGreaterThan(before);
        }
    }

    @Test
    void aChunkedBodyIsAnsweredWholeFromOneOriginRequest() throws Exception {
        byte[] body = body(200_000); // more than the IO thread reads into memory itself (64 KiB)
        try (FakeOrigin origin = origin(body, FakeOrigin.Answer::chunked)) {
            // beyond 64 KiB read on the IO thread, or as soon as a read there would wait
            answeredWholeFromOneRequest(origin, body, IoCounts.Count.CONTINUED_LARGE_BODY,
                    IoCounts.Count.CONTINUED_UNKNOWN_LENGTH);
        }
    }

    @Test
    void aSmallChunkedBodyIsAnsweredWholeFromOneOriginRequest() throws Exception {
        byte[] body = body(20_000); // one chunk, sent with the head: usually read whole on the IO thread
        try (FakeOrigin origin = origin(body, FakeOrigin.Answer::chunked)) {
            answeredWholeFromOneRequest(origin, body, IoCounts.Count.ORIGIN_ANSWERED);
        }
    }

    @Test
    void aCloseDelimitedBodyIsAnsweredWholeFromOneOriginRequest() throws Exception {
        byte[] body = body(200_000); // no Content-Length, not chunked: it ends when the origin closes
        try (FakeOrigin origin = origin(body, FakeOrigin.Answer::closeDelimited)) {
            answeredWholeFromOneRequestUnstored(origin, body, IoCounts.Count.CLOSE_DELIMITED);
        }
    }

    @Test
    void aSmallCloseDelimitedBodyIsAnsweredWholeFromOneOriginRequest() throws Exception {
        byte[] body = body(2048);
        try (FakeOrigin origin = origin(body, FakeOrigin.Answer::closeDelimited)) {
            answeredWholeFromOneRequestUnstored(origin, body, IoCounts.Count.CLOSE_DELIMITED);
        }
    }

    @Test
    void aOneMebibyteBodyIsAnsweredWholeFromOneOriginRequest() throws Exception {
        byte[] body = body(1024 * 1024);
        try (FakeOrigin origin = origin(body, UnaryOperator.identity())) {
            answeredWholeFromOneRequest(origin, body, IoCounts.Count.CONTINUED_LARGE_BODY);
        }
    }

    @Test
    void theHeadAndFirstBytesOfASmallBodyWhoseRestIsHeldReachTheClientFromOneOriginRequest() throws Exception {
        int size = 2048;
        byte[] body = body(size);
        FakeOrigin.Hold half = new FakeOrigin.Hold();
        long before = IoCounts.counted(IoCounts.Count.CONTINUED_SLOW_BODY);
        long headsBefore = IoCounts.counted(IoCounts.Count.HEAD_FROM_IO_THREAD);
        try (FakeOrigin origin = origin(body, a -> a.holdAt(size / 2, half)); EdgeFixture f = edgeIn(origin)) {
            // the head and the first half come while the origin holds the second: nothing waits for the release
            firstBytesWhileHeldThenWholeFromOneRequest(origin, f, "/held", body, size / 4, half);
        } finally {
            half.release();
        }
        if (IoOrigin.ENABLED) {
            assertThat(IoCounts.counted(IoCounts.Count.CONTINUED_SLOW_BODY)).isGreaterThan(before);
            assertThat(IoCounts.counted(IoCounts.Count.HEAD_FROM_IO_THREAD)).isGreaterThan(headsBefore);
        }
    }

    /**
     * With the path on, the head and what came of the body with it go out from the IO thread, and the rest from
     * the fill past those bytes: whatever their split, the client gets each byte once, in order.
     */
    @Test
    void theBytesThatCameWithTheHeadOfALargeBodyReachTheClientWhileTheRestIsHeldAndTheBodyIsWhole()
            throws Exception {
        int size = 300_000; // over the 64 KiB the IO thread reads into memory itself
        byte[] body = body(size);
        FakeOrigin.Hold held = new FakeOrigin.Hold();
        long before = IoCounts.counted(IoCounts.Count.HEAD_FROM_IO_THREAD);
        try (FakeOrigin origin = origin(body, a -> a.holdAt(100_000, held)); EdgeFixture f = edgeIn(origin)) {
            firstBytesWhileHeldThenWholeFromOneRequest(origin, f, "/large-held", body, 90_000, held);
        } finally {
            held.release();
        }
        if (IoOrigin.ENABLED) {
            assertThat(IoCounts.counted(IoCounts.Count.HEAD_FROM_IO_THREAD)).as("head sent from the IO thread")
                    .isGreaterThan(before);
        }
    }

    @Test
    void aChunkedBodyCutShortReachesNoClientWholeIsNotStoredAndIsNotAskedAgain() throws Exception {
        byte[] body = body(20_000);
        try (FakeOrigin origin = FakeOrigin.start(request -> {
            FakeOrigin.Answer a = FakeOrigin.Answer.ok(body).header("Cache-Control", "max-age=600").chunked();
            return request.number() == 1 ? a.cutAt(body.length / 2) : a;
        }); EdgeFixture f = edgeIn(origin)) {
            // the body ends before its last chunk: the client's answer is cut off (before or after its head, as
            // the break is known before or after the head was relayed)
            assertThatThrownBy(() -> {
                try (Response cut = f.get("/cut")) {
                    cut.body().bytes();
                }
            }).isInstanceOf(IOException.class);
            assertThat(origin.requests()).as("the cut answer was not asked for again").isEqualTo(1);
            try (Response again = f.get("/cut")) {
                assertThat(again.header("X-Cache")).as("the cut body was not stored").isEqualTo("MISS");
                assertThat(again.body().bytes()).isEqualTo(body);
            }
            assertThat(origin.requests()).isEqualTo(2);
        }
    }

    /**
     * A miss of {@code body}, whose origin holds the rest at {@code hold}: its first {@code firstBytes} reach the
     * client while the origin holds, then the rest, exactly; one origin request, then a hit.
     */
    private static void firstBytesWhileHeldThenWholeFromOneRequest(FakeOrigin origin, EdgeFixture f, String path,
            byte[] body, int firstBytes, FakeOrigin.Hold hold) throws Exception {
        Response r = CompletableFuture.supplyAsync(() -> get(f, path)).get(20, TimeUnit.SECONDS);
        try (r) {
            assertThat(r.header("X-Cache")).isEqualTo("MISS");
            byte[] first = CompletableFuture.supplyAsync(() -> readN(r, firstBytes)).get(20, TimeUnit.SECONDS);
            assertThat(first).isEqualTo(Arrays.copyOf(body, firstBytes));
            hold.awaitReached(); // (counted just after what comes before the hold was flushed)
            assertThat(origin.answeredWhole()).as("the origin still holds the rest").isZero();
            hold.release();
            assertThat(r.body().byteStream().readAllBytes())
                    .isEqualTo(Arrays.copyOfRange(body, firstBytes, body.length));
        }
        assertThat(origin.requests()).as("one origin request").isEqualTo(1);
        try (Response hit = f.get(path)) {
            assertThat(hit.header("X-Cache")).isEqualTo("HIT");
            assertThat(hit.body().bytes()).isEqualTo(body);
        }
    }

    private static long counted(IoCounts.Count... ways) {
        long sum = 0;
        for (IoCounts.Count c : ways) {
            sum += IoCounts.counted(c);
        }
        return sum;
    }

    private static Response get(EdgeFixture f, String path) {
        try {
            return f.get(path);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readN(Response r, int n) {
        try {
            return r.body().byteStream().readNBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
