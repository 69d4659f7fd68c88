package dev.outpost.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.http.NodeServer;
import dev.outpost.common.http.ServerLimits;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a TLS listener offers, found by real handshakes: TLS 1.3, and on TLS 1.2 only AEAD suites with forward
 * secrecy; a client offering only CBC (or static-RSA) suites fails the handshake.
 */
class CipherSuitesIT {
    @TempDir
    Path dir;

    private NodeServer server;
    private SSLContext client;

    @BeforeEach
    void start() throws IOException {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir.resolve("ca"), "Test CA", Clock.systemUTC());
        KeyPair keys = Keys.ecP256();
        TlsIdentity node = new TlsIdentity(keys.getPrivate(), ca.chain(ca.issue(Csr.create(keys,
                List.of("node.test"), List.of(InetAddress.getByName("127.0.0.1"))), Duration.ofDays(7))));
        server = NodeServer.on(new ListenAddress("127.0.0.1", 0), ServerLimits.DEFAULTS)
                .tls(TlsContexts.server(new SniKeyManager(node))).start(ex -> ex.getResponseSender().send("ok"));
        client = TlsContexts.client(ca.certificate(), Optional.empty()).context();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyTls12SuiteTheServerAcceptsIsAead() throws IOException {
        List<String> accepted = new ArrayList<>();
        String[] candidates = Arrays.stream(client.getSupportedSSLParameters().getCipherSuites())
                .filter(s -> s.startsWith("TLS_") && !s.startsWith("TLS_AES_") && !s.startsWith("TLS_CHACHA20_")
                        && !s.contains("_anon_") && !s.contains("_NULL_") && !s.contains("SCSV"))
                .toArray(String[]::new);
        for (String suite : candidates) {
            if (handshake("TLSv1.2", suite).isPresent()) {
                accepted.add(suite);
            }
        }
        assertThat(accepted).isNotEmpty().allMatch(s -> s.contains("_GCM_") || s.contains("_CHACHA20_POLY1305_"));
        assertThat(accepted).allMatch(s -> s.startsWith("TLS_ECDHE_"));
    }

    @Test
    void aClientOfferingOnlyCbcSuitesCannotConnect() {
        assertThatThrownBy(() -> connect("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA").close()).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void tls13AndTls12AeadClientsConnect() throws IOException {
        assertThat(handshake("TLSv1.3", "TLS_AES_128_GCM_SHA256")).contains("TLS_AES_128_GCM_SHA256");
        assertThat(handshake("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"))
                .contains("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    }

    /** The suite agreed on, or empty when the handshake failed. */
    private Optional<String> handshake(String protocol, String suite) throws IOException {
        try (SSLSocket socket = connect(protocol, suite)) {
            return Optional.of(socket.getSession().getCipherSuite());
        } catch (SSLHandshakeException e) {
            return Optional.empty();
        }
    }

    private SSLSocket connect(String protocol, String... suites) throws IOException {
        SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", server.port());
        socket.setSoTimeout(5000);
        socket.setEnabledProtocols(new String[] {protocol});
        socket.setEnabledCipherSuites(suites);
        try {
            socket.startHandshake();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return socket;
    }
}
