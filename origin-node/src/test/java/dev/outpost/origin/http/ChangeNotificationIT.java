package dev.outpost.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.assets.AssetInfo;
import dev.outpost.origin.http.AssetApiFixture.Answer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real origin announcing PUTs and DELETEs to a real receiver that is down at first, then up. */
class ChangeNotificationIT {
    private static final Duration FAST = Duration.ofMillis(1500);

    @TempDir
    Path tempDir;

    @Test
    void noticesReachAReceiverThatWasDownInOrderAndUploadsStayFast() throws Exception {
        int port = freePort(); // nothing listens there yet: connections are refused
        try (AssetApiFixture origin = AssetApiFixture.start(tempDir, notifyingTo(port, 20_000));
             MockWebServer receiver = new MockWebServer()) {
            receiver.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    return new MockResponse.Builder().code(204).build();
                }
            });
            warmUp(origin);
            AssetInfo a = timed(() -> origin.put("/a.css", "a")).json(AssetInfo.class);
            AssetInfo b = timed(() -> origin.put("/b.css", "b")).json(AssetInfo.class);
            assertThat(timed(() -> origin.delete("/a.css")).code()).isEqualTo(200);

            receiver.start(InetAddress.getByName("127.0.0.1"), port);

            assertThat(notice(receiver)).isEqualTo(ChangeNotice.changed("/a.css", a.etag()));
            assertThat(notice(receiver)).isEqualTo(ChangeNotice.changed("/b.css", b.etag()));
            assertThat(notice(receiver)).isEqualTo(ChangeNotice.deleted("/a.css"));
        }
    }

    @Test
    void aReceiverAnswering503IsRetriedUntilItAccepts() throws Exception {
        try (MockWebServer receiver = new MockWebServer()) {
            for (int i = 0; i < 3; i++) {
                receiver.enqueue(new MockResponse.Builder().code(503).build());
            }
            receiver.enqueue(new MockResponse.Builder().code(200).build());
            receiver.start(InetAddress.getByName("127.0.0.1"), 0);
            try (AssetApiFixture origin = AssetApiFixture.start(tempDir, notifyingTo(receiver.getPort(), 20_000))) {
                warmUp(origin);
                AssetInfo written = timed(() -> origin.put("/app.js", "let a;")).json(AssetInfo.class);

                ChangeNotice expected = ChangeNotice.changed("/app.js", written.etag());
                for (int attempt = 1; attempt <= 4; attempt++) {
                    RecordedRequest request = receiver.takeRequest(10, TimeUnit.SECONDS);
                    assertThat(request).as("attempt " + attempt).isNotNull();
                    assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer notify-token");
                    assertThat(Json.mapper().readValue(request.getBody().toByteArray(), ChangeNotice.class))
                            .isEqualTo(expected);
                }
                assertThat(receiver.getRequestCount()).isEqualTo(4);
            }
        }
    }

    @Test
    void aHangingReceiverNeitherSlowsUploadsNorStopsShutdown() throws Exception {
        // Accepts connections (the backlog) but never reads or answers.
        try (ServerSocket hanging = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            AssetApiFixture origin = AssetApiFixture.start(tempDir, notifyingTo(hanging.getLocalPort(), 20_000));
            try {
                warmUp(origin);
                for (int i = 0; i < 5; i++) {
                    int n = i;
                    assertThat(timed(() -> origin.put("/f" + n + ".txt", "x")).code()).isEqualTo(201);
                }
            } finally {
                long start = System.nanoTime();
                origin.close();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
                assertThat(Thread.getAllStackTraces().keySet()).noneMatch(
                        t -> t.getName().equals("outpost-change-notifier") && t.isAlive());
            }
        }
    }

    private static java.util.function.UnaryOperator<OriginConfig> notifyingTo(int port, long timeoutMillis) {
        return config -> config.withNotify(new OriginConfig.Notify(
                Optional.of(URI.create("http://127.0.0.1:" + port + "/events")), Optional.of("notify-token"),
                Duration.ofMillis(20), Duration.ofMillis(200), 100, Duration.ofMillis(timeoutMillis), null));
    }

    /** The first request of a JVM loads classes for a second or two; time the ones after it. */
    private static void warmUp(AssetApiFixture origin) {
        assertThat(origin.get("").code()).isEqualTo(200);
    }

    private static Answer timed(Supplier<Answer> call) {
        long start = System.nanoTime();
        Answer answer = call.get();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered while the receiver is down")
                .isLessThan(FAST);
        assertThat(answer.code()).isBetween(200, 201);
        return answer;
    }

    private static ChangeNotice notice(MockWebServer receiver) throws InterruptedException {
        RecordedRequest request = receiver.takeRequest(10, TimeUnit.SECONDS);
        assertThat(request).as("a notice within 10 s").isNotNull();
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer notify-token");
        return Json.mapper().readValue(request.getBody().toByteArray(), ChangeNotice.class);
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
