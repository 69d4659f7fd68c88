package dev.outpost.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.outpost.common.tls.CertificateAuthority;
import dev.outpost.common.tls.Csr;
import dev.outpost.common.tls.Keys;
import dev.outpost.common.tls.SniKeyManager;
import dev.outpost.common.tls.TlsContexts;
import dev.outpost.common.tls.TlsIdentity;
import dev.outpost.testkit.LoopbackPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a client command's call can fail, each against a real socket on loopback: the command exits 2 with one
 * line on stderr naming the URL it tried and the reason, and stdout stays empty (so {@code --json} scripts see no
 * half answer).
 */
class CallFailuresIT {
    private static final String TOKEN = "call-failures-token-0123456789";
    private static final byte[] HTML_404 = "<html><body><h1>Not Found</h1></body></html>".getBytes(UTF_8);

    @TempDir
    Path dir;
    private HttpServer plain;
    private HttpsServer tls;

    @BeforeEach
    void start() throws IOException {
        plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        plain.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/html");
            exchange.sendResponseHeaders(404, HTML_404.length);
            exchange.getResponseBody().write(HTML_404);
            exchange.close();
        });
        plain.start();

        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir.resolve("ca"), "Test CA", Clock.systemUTC());
        KeyPair keys = Keys.ecP256();
        TlsIdentity node = new TlsIdentity(keys.getPrivate(), ca.chain(ca.issue(Csr.create(keys,
                List.of("localhost"), List.of(InetAddress.getLoopbackAddress())), Duration.ofDays(7))));
        tls = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tls.setHttpsConfigurator(new HttpsConfigurator(TlsContexts.server(new SniKeyManager(node)).context()));
        tls.createContext("/", exchange -> {
            byte[] json = "{\"nodes\":[],\"purges\":[]}".getBytes(UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, json.length);
            exchange.getResponseBody().write(json);
            exchange.close();
        });
        tls.start();
    }

    @AfterEach
    void stop() {
        plain.stop(0);
        tls.stop(0);
    }

    private static Cli.Run statusAt(String api) {
        return Cli.run("status", "--api", api, "--token", TOKEN, "--json");
    }

    private static void assertOneLineError(Cli.Run run, String command) {
        assertThat(run.exit()).as(run.err()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("outpost " + command + ": ").endsWith("\n");
        assertThat(run.err().strip()).doesNotContain("\n").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void portNobodyListensOnIsRefusedNamingTheUrlAndAskingWhetherItRuns() {
        int closed = LoopbackPorts.free();
        Cli.Run run = statusAt("127.0.0.1:" + closed);
        assertOneLineError(run, "status");
        assertThat(run.err().strip()).isEqualTo("outpost status: cannot reach the control plane at http://127.0.0.1:"
                + closed + "/api/v1/nodes: connection refused (is it running? --api / OUTPOST_API)");
    }

    @Test
    void serverAnswering404WithHtmlIsQuotedAndAskedWhetherItIsTheApi() {
        String base = "http://127.0.0.1:" + plain.getAddress().getPort();
        Cli.Run run = Cli.run("purge", "--api", base, "--token", TOKEN, "--url", "http://www.example.com/a.js",
                "--json");
        assertOneLineError(run, "purge");
        assertThat(run.err().strip()).isEqualTo("outpost purge: the server at " + base + "/api/v1/purges answered "
                + "HTTP 404 with a body that is not JSON (text/html, '<html><body><h1>Not Found</h1></body></html>'): "
                + "is it the control plane's API? (--api / OUTPOST_API)");
    }

    @Test
    void serverThatNeverAnswersIsNamedWithTheTimeWaited() throws IOException {
        // Accepted by the kernel's backlog, never read or answered.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            URI url = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/api/v1/nodes");
            JsonApi api = new JsonApi("control plane", "--api / OUTPOST_API");
            assertThatThrownBy(() -> api.get(url, TOKEN, Duration.ofMillis(300)))
                    .isInstanceOf(JsonApi.Lost.class)
                    .hasMessage("no answer from the control plane at " + url + " within 300 ms");
        }
    }

    @Test
    void httpsUrlForAPlainHttpPortThatWaitsForARequestLineIsATlsFailureThatSaysSo() {
        // The JDK's HttpServer reads a ClientHello as the start of a request line and waits for its end.
        URI url = URI.create("https://127.0.0.1:" + plain.getAddress().getPort() + "/api/v1/nodes");
        JsonApi api = new JsonApi("control plane", "--api / OUTPOST_API");
        assertThatThrownBy(() -> api.get(url, TOKEN, Duration.ofMillis(300)))
                .isInstanceOf(JsonApi.Failure.class).isNotInstanceOf(JsonApi.Lost.class)
                .hasMessage("cannot reach the control plane at " + url + ": TLS failed: no answer to the TLS "
                        + "handshake within 300 ms (an https:// URL for a plain-HTTP port? --api / OUTPOST_API)");
    }

    @Test
    void certificateThisJvmDoesNotTrustIsNamedAsSuch() {
        String base = "https://127.0.0.1:" + tls.getAddress().getPort();
        Cli.Run run = statusAt(base);
        assertOneLineError(run, "status");
        assertThat(run.err()).contains("cannot reach the control plane at " + base + "/api/v1/nodes: TLS failed: ")
                .contains("the server's certificate is not trusted by this JVM");
    }

    @Test
    void httpUrlForATlsPortSaysTheServerMaySpeakTls() {
        String base = "http://127.0.0.1:" + tls.getAddress().getPort();
        Cli.Run run = statusAt(base);
        assertOneLineError(run, "status");
        assertThat(run.err()).contains("the control plane at " + base + "/api/v1/nodes")
                .contains("(an http:// URL for a TLS port?");
    }

    @Test
    void unknownHostIsNamed() {
        Cli.Run run = statusAt("http://no-such-control-plane.invalid:8000");
        assertOneLineError(run, "status");
        assertThat(run.err().strip()).isEqualTo("outpost status: cannot reach the control plane at "
                + "http://no-such-control-plane.invalid:8000/api/v1/nodes: unknown host no-such-control-plane.invalid "
                + "(--api / OUTPOST_API)");
    }
}
