package dev.outpost.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.json.Json;
import dev.outpost.common.tls.CertificateAuthority;
import dev.outpost.common.tls.Csr;
import dev.outpost.common.tls.Keys;
import dev.outpost.common.tls.SniKeyManager;
import dev.outpost.common.tls.TlsContexts;
import dev.outpost.common.tls.TlsIdentity;
import dev.outpost.testkit.MalformedFields;
import dev.outpost.testkit.RawHttp2;
import io.undertow.server.HttpHandler;
import io.undertow.util.HeaderValues;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Outpost listener refuses malformed header fields before its handler runs: over HTTP/2 (raw frames over
 * TLS, since Undertow's HTTP/2 parser passes CR, LF and NUL in values) and HTTP/1.1 (raw bytes), with a counting
 * handler that must see none of them, while well-formed fields, obs-text included, still reach it.
 */
class RequestFieldsIT {
    /** HTTP/1.1 heads Undertow's parser might let through to a handler. */
    static final List<String> HTTP1_MALFORMED = List.of(
            "X\"A: 1", "X(A): 1", "X@A: 1", "X[A]: 1", "X{A}: 1", "X/A: 1", "X=A: 1", "X;A: 1", "X,A: 1",
            "X\u00e9: 1", "X-A: a\u0000b", "X-A: a\u0001b", "X-A: a\u007fb", "X-A: a\u000bb", "X-A: a\u001bb",
            "X-A: a\rb", "X\u0001A: 1", "X A: 1", ": 1");

    @TempDir
    Path dir;

    private final List<String> reached = new CopyOnWriteArrayList<>();
    private final HttpHandler counting = ex -> {
        StringBuilder seen = new StringBuilder(ex.getRequestPath());
        for (HeaderValues values : ex.getRequestHeaders()) {
            seen.append(' ').append(values.getHeaderName()).append('=').append(values);
        }
        reached.add(seen.toString());
        ex.getResponseSender().send("served");
    };
    private NodeServer https;
    private NodeServer plain;
    private SSLSocketFactory tls;

    @BeforeEach
    void start() throws IOException {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir.resolve("ca"), "Test CA", Clock.systemUTC());
        KeyPair keys = Keys.ecP256();
        TlsIdentity node = new TlsIdentity(keys.getPrivate(), ca.chain(ca.issue(Csr.create(keys,
                List.of("node.test"), List.of(InetAddress.getByName("127.0.0.1"))), Duration.ofDays(7))));
        https = NodeServer.on(new ListenAddress("127.0.0.1", 0), ServerLimits.DEFAULTS)
                .tls(TlsContexts.server(new SniKeyManager(node))).start(counting);
        plain = NodeServer.on(new ListenAddress("127.0.0.1", 0), ServerLimits.DEFAULTS).start(counting);
        tls = TlsContexts.client(ca.certificate(), Optional.empty()).context().getSocketFactory();
    }

    @AfterEach
    void stop() {
        https.close();
        plain.close();
    }

    @Test
    void http2RequestsWithMalformedFieldsNeverReachTheHandler() throws IOException {
        List<String> failures = new ArrayList<>();
        for (MalformedFields.Field f : MalformedFields.HTTP2) {
            try (RawHttp2 client = RawHttp2.connect(tls, "node.test", https.port())) {
                RawHttp2.Reply reply = client.get("node.test", "/probe", f.name(), f.value());
                if (!reply.refused() || !reached.isEmpty()) {
                    failures.add(f.description() + ": " + reply + " reached=" + reached);
                    reached.clear();
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void malformedFieldsAreAnswered400WithAJsonBodyNamingTheFieldAndTheConnectionGoesOn() throws IOException {
        try (RawHttp2 client = RawHttp2.connect(tls, "node.test", https.port())) {
            RawHttp2.Reply refused = client.get("node.test", "/probe", "x-a", "1\r\nx-injected: 1");
            assertThat(refused.status()).contains(400);
            assertThat(refused.headers()).containsEntry("content-type", "application/json");
            assertThat(Json.mapper().readTree(refused.body()).get("error").asString()).isEqualTo("bad_header");
            assertThat(Json.mapper().readTree(refused.body()).get("message").asString())
                    .contains("'x-a'").contains("0x0d");

            RawHttp2.Reply next = client.get("node.test", "/after", "x-a", "1");
            assertThat(next.status()).contains(200);
            assertThat(next.body()).isEqualTo("served");
        }
        assertThat(reached).singleElement().asString().startsWith("/after");
    }

    @Test
    void wellFormedHttp2FieldsAreServedObsTextIncluded() throws IOException {
        try (RawHttp2 client = RawHttp2.connect(tls, "node.test", https.port())) {
            RawHttp2.Reply reply = client.get("node.test", "/fine", "x-a", "caf\u00e9 \t b", "te", "trailers",
                    "x-empty", "");
            assertThat(reply.status()).contains(200);
        }
        assertThat(reached).singleElement().asString().contains("x-a=[caf\u00e9 \t b]");
    }

    @Test
    void http1RequestsWithMalformedFieldsNeverReachTheHandler() throws IOException {
        List<String> failures = new ArrayList<>();
        for (String line : HTTP1_MALFORMED) {
            String reply = exchange(plain.port(), "GET /probe HTTP/1.1\r\nHost: node.test\r\n" + line + "\r\n\r\n");
            if (!reply.startsWith("HTTP/1.1 400 ") || !reached.isEmpty()) {
                failures.add(FieldSyntax.printable(line) + ": " + reply.lines().findFirst().orElse("(nothing)")
                        + " reached=" + reached);
                reached.clear();
            }
        }
        assertThat(failures).isEmpty();
        assertThat(exchange(plain.port(), "GET /fine HTTP/1.1\r\nHost: node.test\r\nX-A: caf\u00e9\r\n\r\n"))
                .startsWith("HTTP/1.1 200 ");
    }

    /** Sends raw bytes and reads until the server closes or is quiet for a second. */
    private static String exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(1000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                // quiet: the answer is complete
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
