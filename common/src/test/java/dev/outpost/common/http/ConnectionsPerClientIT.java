package dev.outpost.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.BoundClients;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One client address holding many idle sockets (the reported attack: 10,000 reconnecting sockets from one client
 * delayed everyone ~8 s) keeps only {@code maxConnectionsPerClient} of them; the others are closed at once, so the
 * listener's {@code maxConnections} is never filled by one client and another client is served.
 */
class ConnectionsPerClientIT {
    private static final int LISTENER_MAX = 20;
    private static final int PER_CLIENT = 5;

    private final List<Socket> held = new ArrayList<>();
    private NodeServer server;

    @AfterEach
    void stop() throws IOException {
        for (Socket s : held) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anotherClientIsServedWhileOneClientHoldsMoreSocketsThanTheListenerTakes() throws IOException {
        server = NodeServer.on(new ListenAddress("127.0.0.1", 0), new ServerLimits(16 * 1024, Duration.ofSeconds(30),
                Duration.ofSeconds(60), 1, 0, LISTENER_MAX, PER_CLIENT)).start(ex -> ex.getResponseSender()
                        .send("served"));
        for (int i = 0; i < 2 * LISTENER_MAX; i++) {
            held.add(BoundClients.connect("127.0.0.2", server.port()));
        }

        try (Socket other = BoundClients.connect("127.0.0.3", server.port())) {
            other.setSoTimeout(10_000);
            other.getOutputStream().write("GET / HTTP/1.1\r\nHost: node.test\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(other.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("served");
        }

        int stillOpen = 0;
        for (Socket s : held) {
            if (isOpen(s)) {
                stillOpen++;
            }
        }
        assertThat(stillOpen).isEqualTo(PER_CLIENT);
    }

    @Test
    void theCapIsPerAddressAndASocketClosedByTheClientFreesItsPlace() throws IOException {
        server = NodeServer.on(new ListenAddress("127.0.0.1", 0), new ServerLimits(16 * 1024, Duration.ofSeconds(30),
                Duration.ofSeconds(60), 1, 0, LISTENER_MAX, PER_CLIENT)).start(ex -> ex.getResponseSender()
                        .send("served"));
        for (int i = 0; i < PER_CLIENT; i++) {
            held.add(BoundClients.connect("127.0.0.2", server.port()));
        }
        held.get(0).close();
        // the server notices the close when it next reads: give it a request to answer, then it sees EOF
        assertThat(served("127.0.0.2")).as("a sixth connection after one of five was closed").isTrue();
    }

    /** Whether a GET from {@code from} on a fresh connection is answered. */
    private boolean served(String from) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (Socket s = BoundClients.connect(from, server.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                if (answer.startsWith("HTTP/1.1 200 ")) {
                    return true;
                }
            } catch (IOException refusedWhileTheCloseIsUnseen) {
                // the server may not have read the EOF of the closed socket yet
            }
        }
        return false;
    }

    /** A socket the server has closed reads EOF (or a reset) at once; an open idle one times out. */
    private static boolean isOpen(Socket socket) throws IOException {
        socket.setSoTimeout(300);
        InputStream in = socket.getInputStream();
        try {
            return in.read() >= 0;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException reset) {
            return false;
        }
    }
}
