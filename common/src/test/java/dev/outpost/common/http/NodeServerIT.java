package dev.outpost.common.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.json.Json;
import dev.outpost.common.tls.CertificateAuthority;
import dev.outpost.common.tls.Csr;
import dev.outpost.common.tls.Keys;
import dev.outpost.common.tls.SniKeyManager;
import dev.outpost.common.tls.TlsContexts;
import dev.outpost.common.tls.TlsIdentity;
import dev.outpost.common.wire.ErrorBody;
import io.undertow.server.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every listener gets the same guards in front of its node's handler, plain or TLS: handler failures become JSON
 * errors, no request is read after a chunked body, and a client that stops reading its answer is cut off. (The
 * edge's admin listener over mutual TLS had none of these before the one server builder.)
 */
class NodeServerIT {
    private static final int BIG = 32 * 1024 * 1024;
    private static final Duration IDLE = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    private final CountDownLatch bigAnswerEnded = new CountDownLatch(1);
    private final HttpHandler handler = exchange -> {
        switch (exchange.getRequestPath()) {
            case "/fail" -> throw new IllegalStateException("a bug in the handler");
            case "/big" -> {
                exchange.addExchangeCompleteListener((done, next) -> {
                    bigAnswerEnded.countDown();
                    next.proceed();
                });
                exchange.dispatch(() -> {
                    exchange.startBlocking();
                    exchange.setResponseContentLength(BIG);
                    byte[] chunk = new byte[64 * 1024];
                    try (OutputStream out = exchange.getOutputStream()) {
                        for (int sent = 0; sent < BIG; sent += chunk.length) {
                            out.write(chunk);
                        }
                    } catch (IOException cutOff) {
                        exchange.endExchange();
                    }
                });
            }
            default -> exchange.getResponseSender().send("served");
        }
    };
    private NodeServer plain;
    private NodeServer tls;
    private SSLSocketFactory tlsClient;

    @BeforeEach
    void start() throws IOException {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir.resolve("ca"), "Test CA", Clock.systemUTC());
        KeyPair keys = Keys.ecP256();
        TlsIdentity node = new TlsIdentity(keys.getPrivate(), ca.chain(ca.issue(Csr.create(keys,
                List.of("node.test"), List.of(InetAddress.getByName("127.0.0.1"))), Duration.ofDays(7))));
        ServerLimits limits = new ServerLimits(16 * 1024, Duration.ofSeconds(10), IDLE, 1, 2);
        plain = NodeServer.on(new ListenAddress("127.0.0.1", 0), limits).start(handler);
        tls = NodeServer.on(new ListenAddress("127.0.0.1", 0), limits)
                .tls(TlsContexts.server(new SniKeyManager(node))).start(handler);
        tlsClient = TlsContexts.client(ca.certificate(), Optional.empty()).context().getSocketFactory();
    }

    @AfterEach
    void stop() {
        plain.close();
        tls.close();
    }

    private Socket connect(String listener) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        NodeServer server = listener.equals("tls") ? tls : plain;
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
        socket.setSoTimeout(20_000);
        return listener.equals("tls") ? tlsClient.createSocket(socket, "127.0.0.1", server.port(), true) : socket;
    }

    /** Everything the server sends until it closes the connection. */
    private static String readToEnd(Socket socket) throws IOException {
        return new String(socket.getInputStream().readAllBytes(), US_ASCII);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "tls"})
    void aFailingHandlerIsAJson500(String listener) throws IOException {
        try (Socket socket = connect(listener)) {
            socket.getOutputStream().write("GET /fail HTTP/1.1\r\nHost: node.test\r\nConnection: close\r\n\r\n"
                    .getBytes(US_ASCII));
            String answer = readToEnd(socket);
            assertThat(answer).startsWith("HTTP/1.1 500 ").contains("application/json");
            ErrorBody body = Json.mapper().readValue(answer.substring(answer.indexOf("\r\n\r\n") + 4),
                    ErrorBody.class);
            assertThat(body.error()).isEqualTo("internal_error");
            assertThat(body.message()).doesNotContain("IllegalStateException");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "tls"})
    void noRequestIsReadAfterAChunkedBody(String listener) throws IOException {
        try (Socket socket = connect(listener)) {
            socket.getOutputStream().write(("POST /first HTTP/1.1\r\nHost: node.test\r\nTransfer-Encoding: chunked"
                    + "\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: node.test\r\n\r\n")
                    .getBytes(US_ASCII));
            String answer = readToEnd(socket);
            assertThat(answer).startsWith("HTTP/1.1 200 ").containsIgnoringCase("Connection: close");
            assertThat(answer.split("HTTP/1.1 ", -1)).as("one answer, then the connection closed").hasSize(2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "tls"})
    void aReaderThatStopsReadingIsCutOff(String listener) throws Exception {
        try (Socket socket = connect(listener)) {
            socket.getOutputStream().write("GET /big HTTP/1.1\r\nHost: node.test\r\n\r\n".getBytes(US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(new String(in.readNBytes(12), US_ASCII)).isEqualTo("HTTP/1.1 200");
            // Reading now would be progress: wait, without reading, for the listener to give the answer up.
            assertThat(bigAnswerEnded.await(30, TimeUnit.SECONDS)).as("the answer ended unread").isTrue();
            long got = 12;
            byte[] buffer = new byte[64 * 1024];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    got += n;
                }
            } catch (IOException reset) {
                // the listener closed the connection under the unread bytes
            }
            assertThat(got).as("bytes the stalled reader got").isLessThan(BIG);
        }
    }
}
