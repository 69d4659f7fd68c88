package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.testkit.FakeOrigin;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * A miss with a small body (up to 64 KiB announced) is read by its leader's own thread, not by a filler thread,
 * and answered head and body together when the body came with its head. The streaming guarantees stay those of
 * every miss: the head reaches the leader as soon as the origin sent it even when the body is late, the first
 * bytes reach the leader and every follower while the origin holds the rest, and a body cut short reaches no one
 * whole and is never stored. Structural checks, no timings: the origin holds its body until the test saw what
 * must arrive first (a client that got nothing would wait for the release, and the test would fail).
 */
class SmallMissIT {
    private static final int SIZE = 2048;

    private static byte[] body() {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    private static EdgeFixture edgeIn(FakeOrigin origin) throws IOException {
        return new EdgeFixture(UnaryOperator.identity(), List.of(origin.uri()));
    }

    private static FakeOrigin origin(byte[] body, UnaryOperator<FakeOrigin.Answer> shape) throws IOException {
        return FakeOrigin.start(request -> shape.apply(FakeOrigin.Answer.ok(body)
                .header("Cache-Control", "max-age=600").header("Content-Type", "text/plain")));
    }

    @Test
    void aSmallMissWholeWithItsHeadIsAnsweredStoredAndItsRepeatIsAHit() throws Exception {
        byte[] body = body();
        try (FakeOrigin origin = origin(body, UnaryOperator.identity()); EdgeFixture f = edgeIn(origin)) {
            try (Response miss = f.get("/small")) {
                assertThat(miss.header("X-Cache")).isEqualTo("MISS");
                assertThat(miss.header("Content-Length")).isEqualTo(String.valueOf(SIZE));
                assertThat(miss.body().bytes()).isEqualTo(body);
            }
            try (Response hit = f.get("/small")) {
                assertThat(hit.header("X-Cache")).isEqualTo("HIT");
                assertThat(hit.body().bytes()).isEqualTo(body);
            }
            assertThat(origin.requests()).isEqualTo(1);
        }
    }

    @Test
    void theHeadOfASmallMissReachesTheClientWhileTheOriginHoldsTheWholeBody() throws Exception {
        byte[] body = body();
        FakeOrigin.Hold beforeBody = new FakeOrigin.Hold();
        try (FakeOrigin origin = origin(body, a -> a.holdAt(0, beforeBody)); EdgeFixture f = edgeIn(origin)) {
            // f.get returns with the head; the origin sends no body byte before the release below.
            CompletableFuture<Response> leader = CompletableFuture.supplyAsync(() -> get(f, "/late"));
            Response r = leader.get(20, TimeUnit.SECONDS);
            try (r) {
                // the origin flushed the head before it counts the hold reached: a quick edge relays it sooner
                beforeBody.awaitReached();
                assertThat(origin.answeredWhole()).as("the origin still holds the body").isZero();
                assertThat(r.header("X-Cache")).isEqualTo("MISS");
                beforeBody.release();
                assertThat(r.body().bytes()).isEqualTo(body);
            }
            try (Response hit = f.get("/late")) {
                assertThat(hit.header("X-Cache")).isEqualTo("HIT");
            }
        }
    }

    @Test
    void theFirstBytesOfASmallMissReachTheLeaderAndEveryFollowerWhileTheOriginHoldsTheRest() throws Exception {
        byte[] body = body();
        FakeOrigin.Hold half = new FakeOrigin.Hold();
        try (FakeOrigin origin = origin(body, a -> a.holdAt(SIZE / 2, half)); EdgeFixture f = edgeIn(origin)) {
            List<Response> clients = new ArrayList<>();
            try {
                clients.add(f.get("/halves"));
                half.awaitReached();
                for (int i = 0; i < 3; i++) {
                    clients.add(f.get("/halves"));
                }
                for (Response r : clients) { // (the last byte received is held back until the body is whole)
                    assertThat(r.body().byteStream().readNBytes(SIZE / 4)).isEqualTo(Arrays.copyOf(body, SIZE / 4));
                }
                assertThat(origin.answeredWhole()).as("the origin still holds the second half").isZero();
                assertThat(clients.subList(1, 4)).allSatisfy(r -> assertThat(r.header("X-Cache"))
                        .isEqualTo("COLLAPSED"));
                half.release();
                for (Response r : clients) {
                    assertThat(r.body().byteStream().readAllBytes())
                            .isEqualTo(Arrays.copyOfRange(body, SIZE / 4, SIZE));
                }
            } finally {
                clients.forEach(Response::close);
            }
            assertThat(origin.requests()).as("one origin fetch for four clients").isEqualTo(1);
            try (Response hit = f.get("/halves")) {
                assertThat(hit.header("X-Cache")).isEqualTo("HIT");
                assertThat(hit.body().bytes()).isEqualTo(body);
            }
        }
    }

    @Test
    void aSmallMissCutShortReachesNoClientWholeAndIsNeverStored() throws Exception {
        byte[] body = body();
        FakeOrigin.Hold half = new FakeOrigin.Hold();
        try (FakeOrigin origin = FakeOrigin.start(request -> {
            FakeOrigin.Answer a = FakeOrigin.Answer.ok(body).header("Cache-Control", "max-age=600");
            return request.number() == 1 ? a.cutAt(SIZE / 2, half) : a;
        }); EdgeFixture f = edgeIn(origin)) {
            Response leader = f.get("/cut");
            half.awaitReached();
            Response follower = f.get("/cut");
            half.release(); // the origin closes its connection after the first half
            for (Response r : List.of(leader, follower)) {
                try (r) {
                    assertThatThrownBy(() -> r.body().bytes()).as("the body ends before its Content-Length")
                            .isInstanceOf(IOException.class);
                }
            }
            try (Response again = f.get("/cut")) {
                assertThat(again.header("X-Cache")).as("the cut body was not stored").isEqualTo("MISS");
                assertThat(again.body().bytes()).isEqualTo(body);
            }
            assertThat(origin.requests()).isEqualTo(2);
        }
    }

    private static Response get(EdgeFixture f, String path) {
        try {
            return f.get(path);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
