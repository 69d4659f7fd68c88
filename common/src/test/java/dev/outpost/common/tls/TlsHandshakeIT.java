package dev.outpost.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.http.NodeServer;
import dev.outpost.common.http.ServerLimits;
import io.undertow.server.HttpHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real TLS handshakes over loopback between an Undertow HTTPS listener and OkHttp, all with certificates from our
 * own CA: trust, hostname verification, mutual TLS, SNI, renewal without restart and HTTP/2 via ALPN.
 */
class TlsHandshakeIT {
    @TempDir
    Path dir;

    private final AtomicInteger served = new AtomicInteger();
    private final HttpHandler hello = ex -> {
        served.incrementAndGet();
        ex.getResponseSender().send("hello over " + ex.getProtocol());
    };
    private NodeServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void clientTrustingOurCaCompletesTheHandshake() throws Exception {
        CertificateAuthority ca = ca();
        server = start(TlsContexts.server(new SniKeyManager(node(ca, "edge-1.test"))));

        try (Response r = call(client(ca, Optional.empty()), "edge-1.test")) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.handshake().peerCertificates().get(0)).isInstanceOf(X509Certificate.class);
        }
    }

    @Test
    void ipAddressSanMatchesAConnectionByAddress() throws Exception {
        CertificateAuthority ca = ca();
        server = start(TlsContexts.server(new SniKeyManager(node(ca, "edge-1.test"))));

        try (Response r = client(ca, Optional.empty()).newCall(new Request.Builder()
                .url(server.baseUri() + "/").build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
        }
    }

    @Test
    void hostNameNotInTheCertificateFailsVerification() throws Exception {
        CertificateAuthority ca = ca();
        server = start(TlsContexts.server(new SniKeyManager(node(ca, "edge-1.test"))));

        assertThatThrownBy(() -> call(client(ca, Optional.empty()), "somebody-else.test").close())
                .isInstanceOf(SSLPeerUnverifiedException.class);
        assertThat(served).hasValue(0);
    }

    @Test
    void certificateFromAnotherCaIsNotTrusted() throws Exception {
        CertificateAuthority ours = ca();
        CertificateAuthority other = CertificateAuthority.openOrCreate(dir.resolve("other"), "Other CA",
                Clock.systemUTC());
        server = start(TlsContexts.server(new SniKeyManager(node(other, "edge-1.test"))));

        assertThatThrownBy(() -> call(client(ours, Optional.empty()), "edge-1.test").close())
                .isInstanceOf(IOException.class);
        assertThat(served).hasValue(0);
    }

    @Test
    void mutualTlsAdmitsAClientWithACertificateFromOurCa() throws Exception {
        CertificateAuthority ca = ca();
        server = start(TlsContexts.mutualServer(new SniKeyManager(node(ca, "cp.test")), ca.certificate()));

        try (Response r = call(client(ca, Optional.of(node(ca, "edge-1.test"))), "cp.test")) {
            assertThat(r.code()).isEqualTo(200);
        }
    }

    @Test
    void mutualTlsRefusesAClientWithoutACertificate() throws Exception {
        CertificateAuthority ca = ca();
        server = start(TlsContexts.mutualServer(new SniKeyManager(node(ca, "cp.test")), ca.certificate()));

        assertThatThrownBy(() -> call(client(ca, Optional.empty()), "cp.test").close())
                .isInstanceOf(IOException.class);
        assertThat(served).hasValue(0);
    }

    @Test
    void mutualTlsRefusesAClientCertificateFromAForgedCa() throws Exception {
        CertificateAuthority ca = ca();
        // Same name as ours, different key: only the signature tells them apart.
        CertificateAuthority forged = CertificateAuthority.openOrCreate(dir.resolve("forged"), "Outpost test CA",
                Clock.systemUTC());
        server = start(TlsContexts.mutualServer(new SniKeyManager(node(ca, "cp.test")), ca.certificate()));

        assertThatThrownBy(() -> call(client(ca, Optional.of(node(forged, "edge-1.test"))), "cp.test").close())
                .isInstanceOf(IOException.class);
        assertThat(served).hasValue(0);
    }

    @Test
    void sniPicksTheUploadedCertificateForTheRequestedHost() throws Exception {
        CertificateAuthority ca = ca();
        SniKeyManager keys = new SniKeyManager(node(ca, "edge-1.test"));
        TlsIdentity assets = node(ca, "assets.example.test");
        TlsIdentity wildcard = node(ca, "*.img.example.test");
        keys.put("assets.example.test", TlsIdentity.fromPem(Pem.encode(assets.chain()), Pem.encode(assets.key())));
        keys.put("*.img.example.test", wildcard);
        server = start(TlsContexts.server(keys));
        OkHttpClient client = client(ca, Optional.empty());

        assertThat(servedLeaf(client, "assets.example.test")).isEqualTo(assets.leaf());
        assertThat(servedLeaf(client, "eu.img.example.test")).isEqualTo(wildcard.leaf());
        assertThat(servedLeaf(client, "edge-1.test")).isEqualTo(keys.chainFor(Optional.empty()).get(0));
    }

    @Test
    void renewedNodeCertificateIsServedWithoutRestart() throws Exception {
        CertificateAuthority ca = ca();
        TlsIdentity first = node(ca, "edge-1.test");
        SniKeyManager keys = new SniKeyManager(first);
        server = start(TlsContexts.server(keys));
        assertThat(servedLeaf(client(ca, Optional.empty()), "edge-1.test")).isEqualTo(first.leaf());

        TlsIdentity renewed = node(ca, "edge-1.test");
        keys.replaceNode(renewed);

        // A fresh client, so no TLS session is resumed: the server must choose the certificate again.
        assertThat(servedLeaf(client(ca, Optional.empty()), "edge-1.test")).isEqualTo(renewed.leaf());
    }

    @Test
    void alpnNegotiatesHttp2AndHttp1StillWorks() throws Exception {
        CertificateAuthority ca = ca();
        server = start(TlsContexts.server(new SniKeyManager(node(ca, "edge-1.test"))));

        try (Response r = call(client(ca, Optional.empty()), "edge-1.test")) {
            assertThat(r.protocol()).isEqualTo(Protocol.HTTP_2);
            assertThat(r.body().string()).isEqualTo("hello over HTTP/2.0");
        }
        OkHttpClient http1 = client(ca, Optional.empty()).newBuilder().protocols(List.of(Protocol.HTTP_1_1)).build();
        try (Response r = call(http1, "edge-1.test")) {
            assertThat(r.protocol()).isEqualTo(Protocol.HTTP_1_1);
            assertThat(r.body().string()).isEqualTo("hello over HTTP/1.1");
        }
    }

    private CertificateAuthority ca() {
        return CertificateAuthority.openOrCreate(dir.resolve("ca"), "Outpost test CA", Clock.systemUTC());
    }

    /** A node key and a certificate from {@code ca} for {@code name} and 127.0.0.1. */
    private static TlsIdentity node(CertificateAuthority ca, String name) throws IOException {
        KeyPair keys = Keys.ecP256();
        X509Certificate leaf = ca.issue(Csr.create(keys, List.of(name),
                List.of(InetAddress.getByName("127.0.0.1"))), Duration.ofDays(7));
        return new TlsIdentity(keys.getPrivate(), ca.chain(leaf));
    }

    private NodeServer start(TlsContexts.Server tls) {
        return NodeServer.on(new ListenAddress("127.0.0.1", 0), ServerLimits.DEFAULTS).tls(tls).start(hello);
    }

    /** Our client: trusts only {@code ca}, OkHttp's own hostname verifier, every name resolves to 127.0.0.1. */
    private static OkHttpClient client(CertificateAuthority ca, Optional<TlsIdentity> identity) {
        TlsContexts.Client tls = TlsContexts.client(ca.certificate(), identity);
        return new OkHttpClient.Builder()
                .sslSocketFactory(tls.context().getSocketFactory(), tls.trustManager())
                .dns(host -> List.of(InetAddress.getByName("127.0.0.1")))
                .retryOnConnectionFailure(false)
                .callTimeout(Duration.ofSeconds(10))
                .build();
    }

    private Response call(OkHttpClient client, String host) throws IOException {
        return client.newCall(new Request.Builder().url("https://" + host + ":" + server.port() + "/").build())
                .execute();
    }

    private X509Certificate servedLeaf(OkHttpClient client, String host) throws IOException {
        try (Response r = call(client, host)) {
            assertThat(r.code()).isEqualTo(200);
            return (X509Certificate) r.handshake().peerCertificates().get(0);
        }
    }
}
