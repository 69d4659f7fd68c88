package dev.outpost.edge.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.json.Json;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.config.OriginTimeouts;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The caps on origin requests (issue 23 §4) on a running edge: {@code origin.maxRequests} per origin and
 * {@code origin.maxRequestsPerClient} per client address. The origin sends the head and the first bytes of every
 * answer and holds the rest (the edge relays what arrived at once), so each miss keeps its origin request open; a request beyond a cap waits
 * {@code origin.queueWait} and is then refused with 503 {@code origin_busy} and a Retry-After, never queued forever,
 * and the place it could not get is freed as soon as an origin answer completes.
 */
class OriginCapsIT {
    private static final byte[] BODY = "0123456789".repeat(100).getBytes(US_ASCII);
    /** The origin sends this much of each body at once and holds the rest. */
    private static final int HELD_AFTER = 100;

    @Test
    void aMissBeyondTheEdgesCapOnOriginRequestsIsRefusedAsBusyUntilOneCompletes() throws Exception {
        try (HoldingOrigin origin = new HoldingOrigin(BODY, HELD_AFTER, false, "max-age=600");
                EdgeFixture f = edgeWithCaps(origin, 2, 2)) {
            List<Socket> holders = new ArrayList<>();
            try {
                holders.add(missFrom("127.0.0.1", f, "/a"));
                holders.add(missFrom("127.0.0.1", f, "/b"));
                await().atMost(Duration.ofSeconds(10)).until(() -> origin.requests() == 2);

                try (Response busy = f.get("/c")) {
                    assertThat(busy.code()).isEqualTo(503);
                    assertThat(busy.header("Retry-After")).isNotBlank();
                    JsonNode error = Json.mapper().readTree(busy.body().string());
                    assertThat(error.get("error").asString()).isEqualTo("origin_busy");
                }
                assertThat(origin.requests()).as("the refused miss never reached the origin").isEqualTo(2);

                origin.release(); // both held answers complete: their places are free again
                try (Response served = f.get("/c")) {
                    assertThat(served.code()).isEqualTo(200);
                    assertThat(served.body().bytes()).isEqualTo(BODY);
                }
            } finally {
                for (Socket socket : holders) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void oneClientCannotTakeTheEdgesWholeShareOfAnOrigin() throws Exception {
        try (HoldingOrigin origin = new HoldingOrigin(BODY, HELD_AFTER, false, "max-age=600");
                EdgeFixture f = edgeWithCaps(origin, 3, 1)) {
            List<Socket> holders = new ArrayList<>();
            try {
                holders.add(missFrom("127.0.0.1", f, "/a"));
                await().atMost(Duration.ofSeconds(10)).until(() -> origin.requests() == 1);

                assertThat(statusFrom("127.0.0.1", f, "/b")).as("the same client again: over its cap of 1")
                        .isEqualTo(503);
                holders.add(missFrom("127.0.0.2", f, "/c"));
                await().atMost(Duration.ofSeconds(10)).until(() -> origin.requests() == 2);
                assertThat(origin.requests()).as("another client's miss went to the origin").isEqualTo(2);
                origin.release(); // the held answers end before the edge stops
            } finally {
                for (Socket socket : holders) {
                    socket.close();
                }
            }
        }
    }

    private static EdgeFixture edgeWithCaps(HoldingOrigin origin, int maxRequests, int perClient)
            throws java.io.IOException {
        return new EdgeFixture(c -> c.withOrigin(new OriginTimeouts(null, null, null, maxRequests, perClient,
                Duration.ofMillis(200))), List.of(origin.uri()));
    }

    /** A miss from {@code source} whose answer has begun (its head reached the client); the socket stays open. */
    private static Socket missFrom(String source, EdgeFixture f, String path) throws Exception {
        Socket socket = request(source, f, path);
        InputStream in = socket.getInputStream();
        byte[] head = new byte[12];
        assertThat(in.readNBytes(head, 0, 12)).isEqualTo(12);
        assertThat(new String(head, US_ASCII)).isEqualTo("HTTP/1.1 200");
        return socket;
    }

    private static int statusFrom(String source, EdgeFixture f, String path) throws Exception {
        try (Socket socket = request(source, f, path)) {
            byte[] head = socket.getInputStream().readNBytes(12);
            return Integer.parseInt(new String(head, US_ASCII).substring(9, 12));
        }
    }

    private static Socket request(String source, EdgeFixture f, String path) throws Exception {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", f.edge.port()), 5_000);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + EdgeFixture.HOST + "\r\n\r\n")
                .getBytes(US_ASCII));
        return socket;
    }
}
