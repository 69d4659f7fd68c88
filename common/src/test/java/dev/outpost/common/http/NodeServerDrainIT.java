package dev.outpost.common.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.undertow.server.HttpHandler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Closing a listener drains it: no new connection is accepted, requests in progress finish (for up to
 * {@code drainTimeout}), answers given meanwhile close their connections, and only then does the listener stop.
 */
class NodeServerDrainIT {
    private final CountDownLatch slowStarted = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final HttpHandler handler = exchange -> {
        if (exchange.getRequestPath().equals("/slow")) {
            exchange.dispatch(() -> {
                slowStarted.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.getResponseSender().send("slow done");
            });
        } else {
            exchange.getResponseSender().send("fast");
        }
    };
    private final List<Socket> sockets = new ArrayList<>();
    private NodeServer server;

    @AfterEach
    void stop() throws IOException {
        release.countDown();
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private NodeServer start(Duration drainTimeout) {
        ServerLimits limits = new ServerLimits(16 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(30), 1, 2,
                100, 100, drainTimeout);
        server = NodeServer.on(new ListenAddress("127.0.0.1", 0), limits).start(handler);
        return server;
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        sockets.add(socket);
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static void send(Socket socket, String path) throws IOException {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: node.test\r\n\r\n").getBytes(US_ASCII));
    }

    /** One answer's status line, header lines (lower-case) and body, read from a kept-alive connection. */
    private record Answer(String statusLine, List<String> headers, String body) {
        boolean closesConnection() {
            return headers.contains("connection: close");
        }
    }

    private static Answer read(BufferedReader in) throws IOException {
        String status = in.readLine();
        List<String> headers = new ArrayList<>();
        int length = 0;
        for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
            headers.add(line.toLowerCase());
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        char[] body = new char[length];
        for (int read = 0; read < length; ) {
            read += in.read(body, read, length - read);
        }
        return new Answer(status, headers, new String(body));
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII));
    }

    @Test
    void aRequestInProgressFinishesNewConnectionsAreRefusedAndKeptAliveOnesClose() throws Exception {
        start(Duration.ofSeconds(15));
        Socket idle = connect(); // a keep-alive client between two requests when the drain begins
        BufferedReader idleIn = reader(idle);
        send(idle, "/fast");
        assertThat(read(idleIn).closesConnection()).as("before the drain: kept alive").isFalse();
        Socket busy = connect();
        send(busy, "/slow");
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();

        Thread closing = Thread.ofPlatform().start(server::close);
        server.startDraining(); // what close() does first, here on the test's thread so it is done when it returns

        assertThatThrownBy(this::connect).as("a new connection once draining").isInstanceOf(ConnectException.class);
        assertThat(server.draining()).isTrue();
        send(idle, "/fast");
        Answer duringDrain = read(idleIn);
        assertThat(duringDrain.statusLine()).startsWith("HTTP/1.1 200");
        assertThat(duringDrain.body()).isEqualTo("fast");
        assertThat(duringDrain.closesConnection()).as("answered during the drain: the client goes elsewhere next")
                .isTrue();
        assertThat(idle.getInputStream().read()).as("then the connection is closed").isEqualTo(-1);

        closing.join(300);
        assertThat(closing.isAlive()).as("close waits while a request is in progress").isTrue();
        assertThat(server.requestsInProgress()).isEqualTo(1);
        release.countDown();
        Answer slow = read(reader(busy));
        assertThat(slow.statusLine()).startsWith("HTTP/1.1 200");
        assertThat(slow.body()).as("the request in progress got its whole answer").isEqualTo("slow done");
        closing.join(10_000);
        assertThat(closing.isAlive()).as("close returns once it finished").isFalse();
    }

    @Test
    void aRequestThatDoesNotFinishHoldsCloseForTheDrainTimeoutOnly() throws Exception {
        start(Duration.ofMillis(300));
        send(connect(), "/slow"); // never released while close runs
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
        long began = System.nanoTime();
        server.close();
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        // the drain's 300 ms, then the stop's wait for the still-running handler (SHUTDOWN_TIMEOUT) before it is
        // interrupted: bounded, whatever the handler does
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300))
                .isLessThan(Duration.ofMillis(300).plus(NodeServer.SHUTDOWN_TIMEOUT).plusSeconds(5));
        server = null;
    }

    @Test
    void drainTimeoutMustNotBeNegative() {
        assertThatThrownBy(() -> new ServerLimits(16 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(30), 1, 2,
                100, 100, Duration.ofSeconds(-1))).hasMessageContaining("drainTimeout must be >= 0");
        assertThatThrownBy(() -> new ListenerLimits(null, null, null, null, null, null, Duration.ofSeconds(-1)))
                .hasMessageContaining("drainTimeout");
    }
}
