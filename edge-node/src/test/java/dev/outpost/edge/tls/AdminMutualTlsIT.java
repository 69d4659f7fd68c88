package dev.outpost.edge.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.json.Json;
import dev.outpost.common.tls.Certificates;
import dev.outpost.common.tls.Pem;
import dev.outpost.common.tls.TlsIdentity;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.edge.config.EdgeTls;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on an edge's admin listener once it runs mutual TLS with the control plane: only the control plane's
 * certificate (issued by our CA, carrying the control-plane name) with the admin token purges; no certificate, a
 * self-signed one and a forged one from another CA fail the handshake; another node's genuine certificate gets 403.
 */
class AdminMutualTlsIT {
    @TempDir
    Path dir;

    private TestPki ourCa;
    private Path tlsDir;

    @BeforeEach
    void pki() {
        ourCa = new TestPki(dir.resolve("ca"), "Outpost CA");
        tlsDir = ourCa.provision(dir.resolve("edge-tls"), ourCa.identity(List.of("edge.internal"),
                List.of(TestPki.loopback())));
    }

    @Test
    void theControlPlanesCertificateWithTheTokenPurges() throws Exception {
        try (EdgeFixture f = new EdgeFixture(this::withMutualAdmin)) {
            assertThat(f.admin().getScheme()).isEqualTo("https");
            TlsIdentity controlPlane = ourCa.identity(List.of(Certificates.CONTROL_PLANE_NAME),
                    List.of(TestPki.loopback()));
            try (Response r = purge(f, Optional.of(controlPlane), ourCa, EdgeFixture.ADMIN_TOKEN)) {
                assertThat(r.code()).isEqualTo(200);
            }
            try (Response r = purge(f, Optional.of(controlPlane), ourCa, "wrong-token-0123456789")) {
                assertThat(r.code()).isEqualTo(401);
            }
        }
    }

    @Test
    void anotherNodesGenuineCertificateIsNotTheControlPlanes() throws Exception {
        try (EdgeFixture f = new EdgeFixture(this::withMutualAdmin)) {
            TlsIdentity otherEdge = ourCa.identity(List.of("eu-2.edges.internal"), List.of(TestPki.loopback()));
            try (Response r = purge(f, Optional.of(otherEdge), ourCa, EdgeFixture.ADMIN_TOKEN)) {
                assertThat(r.code()).isEqualTo(403);
                assertThat(Json.mapper().readTree(r.body().string()).get("error").asString())
                        .isEqualTo("not_control_plane");
            }
        }
    }

    @Test
    void noCertificateIsRefusedInTheHandshake() throws Exception {
        try (EdgeFixture f = new EdgeFixture(this::withMutualAdmin)) {
            assertThatThrownBy(() -> purge(f, Optional.empty(), ourCa, EdgeFixture.ADMIN_TOKEN).close())
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void aSelfSignedCertificateIsRefusedInTheHandshake() throws Exception {
        TestPki self = new TestPki(dir.resolve("self"), Certificates.CONTROL_PLANE_NAME);
        TlsIdentity selfSigned = new TlsIdentity(
                Pem.privateKey(Files.readString(dir.resolve("self").resolve("ca.key"))),
                List.of(self.ca.certificate()));
        try (EdgeFixture f = new EdgeFixture(this::withMutualAdmin)) {
            assertThatThrownBy(() -> purge(f, Optional.of(selfSigned), ourCa, EdgeFixture.ADMIN_TOKEN).close())
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void aForgedControlPlaneCertificateFromAnotherCaIsRefusedInTheHandshake() throws Exception {
        TestPki forger = new TestPki(dir.resolve("forger"), "Outpost CA");
        TlsIdentity forged = forger.identity(List.of(Certificates.CONTROL_PLANE_NAME), List.of(TestPki.loopback()));
        try (EdgeFixture f = new EdgeFixture(this::withMutualAdmin)) {
            assertThatThrownBy(() -> purge(f, Optional.of(forged), ourCa, EdgeFixture.ADMIN_TOKEN).close())
                    .isInstanceOf(IOException.class);
        }
    }

    private EdgeConfig withMutualAdmin(EdgeConfig c) {
        // Nothing listens on port 1: the link keeps retrying in the background, which these tests do not need.
        return c.withControlPlane(ControlPlaneLinkConfig.of(URI.create("http://127.0.0.1:1"), "node-token-0123456789"))
                .withTls(EdgeTls.in(tlsDir.toString()).withControlPlaneUrl(URI.create("https://127.0.0.1:1")));
    }

    private static Response purge(EdgeFixture f, Optional<TlsIdentity> identity, TestPki trusted, String token)
            throws IOException {
        OkHttpClient client = trusted.client(identity, List.of(Protocol.HTTP_1_1));
        return client.newCall(new Request.Builder().url(f.admin() + "/_edge/purge")
                .header("Authorization", "Bearer " + token)
                .post(RequestBody.create("{\"all\":true}", MediaType.get("application/json"))).build()).execute();
    }
}
