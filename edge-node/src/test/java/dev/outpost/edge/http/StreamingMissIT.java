package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.SliceConfig;
import dev.outpost.edge.config.SpoolConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.net.SocketFactory;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Misses are relayed while they fill (Varnish's streaming, ATS's read-while-writer): the leader and every
 * collapsed follower get the first bytes while the origin is still sending, the fill goes on when a client leaves,
 * a body cut short reaches no one complete and is never stored, and a body too large to store is spooled, so the
 * origin is read at its own speed whatever the client does. Structural checks, no timings: the origin holds the
 * rest of its body until the test has seen the first bytes arrive.
 */
class StreamingMissIT {
    private static final int SIZE = 256 * 1024;
    private static final int HELD_AFTER = 128 * 1024;

    @TempDir
    Path spoolDir;

    private static byte[] body(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 7 + i / 251);
        }
        return b;
    }

    private static EdgeFixture edgeIn(HoldingOrigin origin, UnaryOperator<dev.outpost.edge.config.EdgeConfig> adjust)
            throws IOException {
        return new EdgeFixture(adjust, List.of(origin.uri()));
    }

    private static byte[] read(InputStream in, int n) throws IOException {
        byte[] got = in.readNBytes(n);
        assertThat(got).hasSize(n);
        return got;
    }

    @Test
    void theFirstBytesOfAMissReachTheLeaderAndEveryFollowerWhileTheOriginStillSendsTheRest() throws Exception {
        byte[] body = body(SIZE);
        try (HoldingOrigin origin = new HoldingOrigin(body, HELD_AFTER, false, "max-age=600");
                EdgeFixture f = edgeIn(origin, UnaryOperator.identity())) {
            List<Response> clients = new ArrayList<>();
            try {
                clients.add(f.get("/big")); // returns with the head: the body is still at the origin
                origin.awaitHeld();
                for (int i = 0; i < 4; i++) {
                    clients.add(f.get("/big"));
                }
                for (Response r : clients) {
                    assertThat(read(r.body().byteStream(), 64 * 1024)).isEqualTo(Arrays.copyOf(body, 64 * 1024));
                }
                assertThat(origin.answeredWhole()).as("the origin still holds the rest").isZero();
                assertThat(clients.get(0).header("X-Cache")).isEqualTo("MISS");
                assertThat(clients.get(0).header("Cache-Status")).isEqualTo("Outpost; fwd=miss; fwd-status=200; stored");
                assertThat(clients.subList(1, 5)).allSatisfy(r -> {
                    assertThat(r.header("X-Cache")).isEqualTo("COLLAPSED");
                    assertThat(r.header("Cache-Status")).contains("collapsed");
                });
                origin.release();
                for (Response r : clients) {
                    byte[] rest = r.body().byteStream().readAllBytes();
                    assertThat(rest).isEqualTo(Arrays.copyOfRange(body, 64 * 1024, SIZE));
                }
            } finally {
                clients.forEach(Response::close);
            }
            assertThat(origin.requests()).as("one origin fetch for five clients").isEqualTo(1);
            try (Response hit = f.get("/big")) {
                assertThat(hit.header("X-Cache")).isEqualTo("HIT");
                assertThat(hit.body().bytes()).isEqualTo(body);
            }
        }
    }

    @Test
    void aClientThatLeavesMidBodyDoesNotAbortTheFill() throws Exception {
        byte[] body = body(SIZE);
        try (HoldingOrigin origin = new HoldingOrigin(body, HELD_AFTER, false, "max-age=600");
                EdgeFixture f = edgeIn(origin, UnaryOperator.identity())) {
            try (Response leaving = f.get("/big")) {
                read(leaving.body().byteStream(), 1024);
            } // closed with most of the body unread
            origin.release();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> f.edge.store().lookup(EdgeFixture.key("/big"), Fields.empty()).isPresent());
            try (Response hit = f.get("/big")) {
                assertThat(hit.header("X-Cache")).isEqualTo("HIT");
                assertThat(hit.body().bytes()).isEqualTo(body);
            }
            assertThat(origin.requests()).isEqualTo(1);
        }
    }

    @Test
    void aLeaderThatLeavesMidBodyLeavesItsFollowerTheWholeBodyAndTheCacheTheObject() throws Exception {
        byte[] body = body(SIZE);
        try (HoldingOrigin origin = new HoldingOrigin(body, HELD_AFTER, false, "max-age=600");
                EdgeFixture f = edgeIn(origin, UnaryOperator.identity())) {
            Response leader = f.get("/big");
            origin.awaitHeld();
            try (Response follower = f.get("/big")) {
                assertThat(follower.header("X-Cache")).isEqualTo("COLLAPSED");
                try (leader) {
                    read(leader.body().byteStream(), 1024);
                } // the leader's client goes with most of the body unread
                origin.release();
                assertThat(follower.body().bytes()).as("the follower reads on to the end").isEqualTo(body);
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> f.edge.store().lookup(EdgeFixture.key("/big"), Fields.empty()).isPresent());
            try (Response hit = f.get("/big")) {
                assertThat(hit.header("X-Cache")).isEqualTo("HIT");
                assertThat(hit.body().bytes()).isEqualTo(body);
            }
            assertThat(origin.requests()).isEqualTo(1);
        }
    }

    @Test
    void aFillEveryClientLeftIsGivenUpWhenItsObjectIsOverTheBackgroundFillLimitAndNothingIsStored()
            throws Exception {
        byte[] body = body(SIZE);
        try (HoldingOrigin origin = new HoldingOrigin(body, HELD_AFTER, false, "max-age=600")
                .holdingAgainAt(HELD_AFTER + 64 * 1024);
                EdgeFixture f = edgeIn(origin, c -> c.withCache(c.cache().withBackgroundFillMaxBytes(SIZE - 1)))) {
            try (Socket leaving = new Socket(InetAddress.getLoopbackAddress(), f.edge.port())) {
                leaving.getOutputStream().write(("GET /big HTTP/1.1\r\nHost: " + EdgeFixture.HOST + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                read(leaving.getInputStream(), 1024); // the head and the first bytes
            } // closed with bytes unread: the edge's connection is reset, its next write fails
            origin.release(); // the next bytes meet a client that is gone: its relay ends and leaves the fill
            origin.awaitHeldAgain();
            await("the relay saw its client gone (the request is then counted)").atMost(Duration.ofSeconds(10))
                    .until(() -> metric(f, "edge_requests_total{cache=\"MISS\"") == 1);
            origin.releaseAgain(); // nobody reads the fill now, and its object is over the limit
            await("the origin fetch is given up").atMost(Duration.ofSeconds(10))
                    .until(() -> metric(f, "edge_origin_open") == 0);
            assertThat(f.edge.store().lookup(EdgeFixture.key("/big"), Fields.empty())).isEmpty();
            try (Response again = f.get("/big")) {
                assertThat(again.header("X-Cache")).as("fetched afresh").isEqualTo("MISS");
                assertThat(again.body().bytes()).isEqualTo(body);
            }
            assertThat(origin.requests()).isEqualTo(2);
        }
    }

    @Test
    void aBodyCutShortReachesNoClientCompleteAndIsNeverStored() throws Exception {
        byte[] body = body(SIZE);
        try (HoldingOrigin origin = new HoldingOrigin(body, HELD_AFTER, true, "max-age=600");
                EdgeFixture f = edgeIn(origin, UnaryOperator.identity())) {
            Response leader = f.get("/cut");
            origin.awaitHeld();
            Response follower = f.get("/cut");
            try (leader; follower) {
                for (Response r : List.of(leader, follower)) {
                    read(r.body().byteStream(), 64 * 1024);
                }
                origin.release(); // the origin closes the connection instead of sending the rest
                for (Response r : List.of(leader, follower)) {
                    assertThatThrownBy(() -> r.body().byteStream().readAllBytes()).isInstanceOf(IOException.class);
                }
            }
            assertThat(f.edge.store().lookup(EdgeFixture.key("/cut"), Fields.empty())).isEmpty();
        }
    }

    @Test
    void aBodyTooLargeToStoreIsSpooledSoTheOriginIsReadWholeWhileTheClientHasReadAlmostNothing() throws Exception {
        // 16 MiB, and a client socket that takes at most 64 KiB: the edge's send buffer (at most 4 MiB) and the
        // client's cannot hold the body, so when the origin has sent it all, most of it waits in the spool
        byte[] body = body(16 * 1024 * 1024);
        try (HoldingOrigin origin = HoldingOrigin.immediate(body, "max-age=600");
                EdgeFixture f = edgeIn(origin, c -> c.withCache(new CacheConfig(8L * 1024 * 1024, 64L * 1024,
                        null, null, null, null, null, null, null,
                        new SpoolConfig(spoolDir.toString(), 64L * 1024 * 1024, null), null, null,
                        new SliceConfig(false, null, null))))) { // the spool is what is tested: no slicing
            OkHttpClient smallWindow = f.client.newBuilder().socketFactory(new SmallReceiveBuffer()).build();
            Request request = new Request.Builder().url(f.edge.baseUri() + "/huge").header("Host", EdgeFixture.HOST)
                    .build();
            try (Response slow = smallWindow.newCall(request).execute()) {
                InputStream in = slow.body().byteStream();
                byte[] first = read(in, 1);
                // The edge read the origin to its end into the spool; the client has one byte.
                await().atMost(Duration.ofSeconds(10)).until(() -> origin.answeredWhole() == 1);
                // the origin's last write can land in loopback socket buffers before the edge has read it into the
                // spool: awaited (the client holds its one byte, so the spool keeps what it took), not asserted at once
                await("the spool holds the body").atMost(Duration.ofSeconds(10))
                        .until(() -> metric(f, "edge_spool_bytes") > 0);
                // the slot is given back just after the last byte is spooled: awaited, while the client still
                // holds its one byte
                await("the origin connection is free again").atMost(Duration.ofSeconds(10))
                        .until(() -> metric(f, "edge_origin_open") == 0);
                assertThat(slow.header("Cache-Status")).contains("detail=too-large");
                byte[] rest = in.readAllBytes();
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                digest.update(first);
                digest.update(rest);
                assertThat(digest.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(body));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(f, "edge_spool_bytes") == 0);
            assertThat(f.edge.store().keys()).isEmpty();
        }
    }

    /** Client sockets with a 64 KiB receive buffer (set before connecting, so the kernel does not grow it). */
    private static final class SmallReceiveBuffer extends SocketFactory {
        private Socket small() throws IOException {
            Socket s = new Socket();
            s.setReceiveBufferSize(64 * 1024);
            return s;
        }

        @Override
        public Socket createSocket() throws IOException {
            return small();
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            Socket s = small();
            s.connect(new java.net.InetSocketAddress(host, port));
            return s;
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
            throw new UnsupportedOperationException("OkHttp connects unconnected sockets");
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            Socket s = small();
            s.connect(new java.net.InetSocketAddress(host, port));
            return s;
        }

        @Override
        public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
            throw new UnsupportedOperationException("OkHttp connects unconnected sockets");
        }
    }

    private static double metric(EdgeFixture f, String name) throws IOException {
        for (String line : f.fetch("/_edge/metrics").body().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + (name.contains("{") ? "" : "{"))) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no metric " + name);
    }
}
