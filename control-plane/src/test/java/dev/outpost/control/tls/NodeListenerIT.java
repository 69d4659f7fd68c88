package dev.outpost.control.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.json.Json;
import dev.outpost.common.tls.CertificateAuthority;
import dev.outpost.common.tls.Certificates;
import dev.outpost.common.tls.Csr;
import dev.outpost.common.tls.Keys;
import dev.outpost.common.tls.Pem;
import dev.outpost.common.tls.TlsContexts;
import dev.outpost.common.tls.TlsIdentity;
import dev.outpost.control.ControlPlaneFixture;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.RawHttp2;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Attacks on the control plane's mutual-TLS node listener: only a certificate issued by this control plane's CA
 * gets a registration or heartbeat through; no certificate, a self-signed one, and a forged one (same names, same
 * CA name, another key) fail the handshake; the plain API listener refuses node traffic and origin change notices
 * once TLS is on; one node's genuine certificate cannot speak for another node (or origin), and one from before node
 * ids were bound speaks for none; renewals keep to the names and node id the presented certificate has. Every client trusts exactly our CA, hostname checks on.
 */
class NodeListenerIT {
    private static final String REGISTRATION = registration("eu-1");
    private static final String NOTICE =
            "{\"event\":\"changed\",\"path\":\"/assets/app.css\",\"etag\":\"\\\"abc\\\"\"}";

    @TempDir
    Path data;
    @TempDir
    Path elsewhere;

    private ControlPlaneFixture cp;
    private X509Certificate ca;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(data, "tls: {nodeListen: 127.0.0.1:0}\n", Instant.now());
        ca = Pem.certificate(cp.get("/api/v1/ca", null).json().get("certificate").asString());
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    @Test
    void aJoinedNodeRegistersAndHeartbeatsOverMutualTls() throws Exception {
        TlsIdentity node = joined("eu-1", List.of("eu-1.edges.internal"));

        assertThat(register(Optional.of(node)).status()).isEqualTo(200);
        HttpReply beat = nodeCall("/api/v1/nodes/eu-1/heartbeat", Optional.of(node),
                "{\"requests\":1,\"hitRatio\":0,\"bytesCached\":0,\"appliedSequence\":0}");
        assertThat(beat.status()).isEqualTo(200);
        assertThat(cp.get("/api/v1/nodes", ControlPlaneFixture.READER).body()).contains("\"eu-1\"");
    }

    @Test
    void anEnrollTokenMakesJoinTokensOnlyForNodeIdsNotInUseAndNothingElse() throws Exception {
        TlsIdentity node = joined("eu-1", List.of("eu-1.edges.internal"));
        assertThat(register(Optional.of(node)).status()).isEqualTo(200);

        HttpReply taken = joinToken(ControlPlaneFixture.ENROLL, "eu-1");
        assertThat(taken.status()).isEqualTo(403);
        assertThat(taken.error()).isEqualTo("node_in_use");
        assertThat(joinToken(ControlPlaneFixture.ENROLL, "primary").error()).isEqualTo("node_in_use");
        assertThat(joinToken(ControlPlaneFixture.ENROLL, "eu-2").status()).isEqualTo(201);
        assertThat(joinToken(ControlPlaneFixture.ADMIN, "eu-1").status()).isEqualTo(201);
        // a node silent past heartbeat.timeout (3 s here: an edge restarted with another address) may enrol again
        cp.clock.advance(Duration.ofSeconds(4));
        assertThat(joinToken(ControlPlaneFixture.ENROLL, "eu-1").status()).isEqualTo(201);

        assertThat(cp.post("/api/v1/purges", ControlPlaneFixture.ENROLL, "{\"urls\":[\"http://www.example.com/a\"]}")
                .status()).isEqualTo(403);
        assertThat(cp.get("/api/v1/nodes", ControlPlaneFixture.ENROLL).status()).isEqualTo(403);
    }

    private HttpReply joinToken(String bearer, String node) {
        return cp.post("/api/v1/join-tokens", bearer,
                "{\"node\":\"" + node + "\",\"names\":[\"" + node + ".edges.internal\"],\"ttl\":\"10m\"}");
    }

    @Test
    void thePlainApiListenerRefusesNodeTrafficOnceTlsIsOn() {
        HttpReply plain = cp.post("/api/v1/nodes/register", ControlPlaneFixture.NODE, REGISTRATION);
        assertThat(plain.status()).isEqualTo(403);
        assertThat(plain.error()).isEqualTo("client_certificate_required");
        assertThat(cp.get("/api/v1/nodes", ControlPlaneFixture.READER).body()).doesNotContain("\"eu-1\"");
    }

    @Test
    void aNodeWithoutACertificateIsRefused() {
        assertRefusedInHandshake(Optional.empty());
    }

    @Test
    void aSelfSignedCertificateIsRefused() throws Exception {
        CertificateAuthority.openOrCreate(elsewhere.resolve("self"), "eu-1.edges.internal", Clock.systemUTC());
        Path dir = elsewhere.resolve("self");
        TlsIdentity selfSigned = new TlsIdentity(Pem.privateKey(Files.readString(dir.resolve("ca.key"))),
                List.of(Pem.certificate(Files.readString(dir.resolve("ca.crt")))));
        assertRefusedInHandshake(Optional.of(selfSigned));
    }

    @Test
    void aForgedNodeCertificateFromAnotherCaWithTheSameNameIsRefused() {
        CertificateAuthority forger = CertificateAuthority.openOrCreate(elsewhere.resolve("forged"), "Outpost CA",
                Clock.systemUTC());
        KeyPair keys = Keys.ecP256();
        X509Certificate forged = forger.issue(Csr.create(keys, List.of("eu-1.edges.internal"),
                List.of(InetAddress.getLoopbackAddress())), Duration.ofDays(1));
        assertThat(forger.certificate().getSubjectX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertRefusedInHandshake(Optional.of(new TlsIdentity(keys.getPrivate(), forger.chain(forged))));
    }

    @Test
    void renewalKeepsToTheNamesOfThePresentedCertificate() throws Exception {
        TlsIdentity node = joined("eu-1", List.of("eu-1.edges.internal"));

        HttpReply renewed = nodeCall("/api/v1/certificates/renew", Optional.of(node), Json.mapper().writeValueAsString(
                Map.of("csr", JoinIT.csr(List.of("eu-1.edges.internal"), List.of()))));
        assertThat(renewed.status()).as(renewed.body()).isEqualTo(200);
        X509Certificate leaf = Pem.certificate(renewed.json().get("certificate").asString());
        leaf.verify(ca.getPublicKey());
        assertThat(leaf.getSerialNumber()).isNotEqualTo(node.leaf().getSerialNumber());
        assertThat(Certificates.nodeId(leaf)).as("the renewed certificate names the same node").contains("eu-1");
        assertThat(renewed.json().get("node").asString()).isEqualTo("eu-1");

        HttpReply wider = nodeCall("/api/v1/certificates/renew", Optional.of(node), Json.mapper().writeValueAsString(
                Map.of("csr", JoinIT.csr(List.of("eu-1.edges.internal", "www.bank.example"), List.of()))));
        assertThat(wider.status()).isEqualTo(403);
        assertThat(wider.error()).isEqualTo("name_not_allowed");
        HttpReply controlPlane = nodeCall("/api/v1/certificates/renew", Optional.of(node), Json.mapper()
                .writeValueAsString(Map.of("csr", JoinIT.csr(List.of(Certificates.CONTROL_PLANE_NAME), List.of()))));
        assertThat(controlPlane.error()).isEqualTo("name_not_allowed");

        HttpReply plain = cp.post("/api/v1/certificates/renew", null, Json.mapper().writeValueAsString(
                Map.of("csr", JoinIT.csr(List.of("eu-1.edges.internal"), List.of()))));
        assertThat(plain.status()).isEqualTo(403);
        assertThat(plain.error()).isEqualTo("client_certificate_required");
    }

    @Test
    void theNodeListenerPresentsTheControlPlanesCertificateForItsAddress() throws Exception {
        TlsIdentity node = joined("eu-1", List.of("eu-1.edges.internal"));
        // The hostname verifier (OkHttp's own, on) accepted 127.0.0.1; the marker name is in the certificate too.
        OkHttpClient client = client(Optional.of(node));
        try (var response = client.newCall(new Request.Builder().url(cp.plane().nodeUri().orElseThrow()
                + "/api/v1/ca").build()).execute()) {
            X509Certificate served = (X509Certificate) response.handshake().peerCertificates().get(0);
            assertThat(Certificates.dnsNames(served)).contains(Certificates.CONTROL_PLANE_NAME);
            assertThat(Certificates.ipAddresses(served)).contains("127.0.0.1");
        }
    }

    @Test
    void aNodesGenuineCertificateCannotRegisterOrHeartbeatAsAnotherNode() throws Exception {
        TlsIdentity eu1 = joined("eu-1", List.of("eu-1.edges.internal"));

        HttpReply registerAsEu2 = nodeCall("/api/v1/nodes/register", Optional.of(eu1), registration("eu-2"));
        assertThat(registerAsEu2.status()).isEqualTo(403);
        assertThat(registerAsEu2.error()).isEqualTo("node_id_mismatch");
        assertThat(registerAsEu2.message()).contains("'eu-1'").contains("'eu-2'");
        assertThat(nodes()).doesNotContain("\"eu-2\"");
        // Checked before the registry is asked: not 404 unknown_node, which would tell the attacker who exists.
        HttpReply beatAsUnknownEu2 = nodeCall("/api/v1/nodes/eu-2/heartbeat", Optional.of(eu1), heartbeat(999));
        assertThat(beatAsUnknownEu2.status()).isEqualTo(403);
        assertThat(beatAsUnknownEu2.error()).isEqualTo("node_id_mismatch");

        TlsIdentity eu2 = joined("eu-2", List.of("eu-2.edges.internal"));
        assertThat(nodeCall("/api/v1/nodes/register", Optional.of(eu2), registration("eu-2")).status())
                .isEqualTo(200);
        HttpReply beatAsEu2 = nodeCall("/api/v1/nodes/eu-2/heartbeat", Optional.of(eu1), heartbeat(999));
        assertThat(beatAsEu2.status()).isEqualTo(403);
        assertThat(beatAsEu2.error()).isEqualTo("node_id_mismatch");
        JsonNode listed = cp.get("/api/v1/nodes", ControlPlaneFixture.READER).json().get("nodes");
        assertThat(listed).singleElement().satisfies(n -> {
            assertThat(n.get("id").asString()).isEqualTo("eu-2");
            assertThat(n.get("requests").asLong()).as("eu-1's forged heartbeat left no stats").isZero();
        });
    }

    @Test
    void aCertificateIssuedBeforeNodeIdsNamesNoNodeAndMustJoinAgain() throws Exception {
        // Issued by this control plane's own CA (same files), as every node certificate was before ids were bound.
        CertificateAuthority same = CertificateAuthority.openOrCreate(data.resolve("ca"), "Outpost CA",
                Clock.systemUTC());
        assertThat(same.certificate()).isEqualTo(ca);
        KeyPair keys = Keys.ecP256();
        X509Certificate legacy = same.issue(Csr.create(keys, List.of("eu-1.edges.internal"), List.of()),
                Duration.ofDays(1));
        Optional<TlsIdentity> old = Optional.of(new TlsIdentity(keys.getPrivate(), same.chain(legacy)));

        HttpReply register = register(old);
        assertThat(register.status()).isEqualTo(403);
        assertThat(register.error()).isEqualTo("node_id_missing");
        HttpReply beat = nodeCall("/api/v1/nodes/eu-1/heartbeat", old, heartbeat(1));
        assertThat(beat.status()).isEqualTo(403);
        assertThat(beat.error()).isEqualTo("node_id_missing");
        HttpReply renew = nodeCall("/api/v1/certificates/renew", old, Json.mapper().writeValueAsString(
                Map.of("csr", JoinIT.csr(List.of("eu-1.edges.internal"), List.of()))));
        assertThat(renew.status()).isEqualTo(403);
        assertThat(renew.error()).isEqualTo("node_id_missing");
        assertThat(renew.message()).contains("join again");
        assertThat(renew.body()).doesNotContain("BEGIN CERTIFICATE");
        assertThat(nodes()).doesNotContain("\"eu-1\"");
    }

    @Test
    void originEventsOnThePlainListenerAreRefusedOnceTlsIsOn() {
        for (String token : List.of(ControlPlaneFixture.NODE, ControlPlaneFixture.OPS)) {
            HttpReply plain = cp.post("/api/v1/origin-events", token, NOTICE);
            assertThat(plain.status()).isEqualTo(403);
            assertThat(plain.error()).isEqualTo("client_certificate_required");
            assertThat(plain.message()).contains("tls.allowPlainOriginEvents");
        }
        assertThat(purges()).doesNotContain("app.css");
    }

    @Test
    void originEventsOverTheNodeListenerComeOnlyFromTheOriginsOwnCertificate() throws Exception {
        TlsIdentity edge = joined("eu-1", List.of("eu-1.edges.internal"));
        HttpReply fromEdge = nodeCall("/api/v1/origin-events", Optional.of(edge), NOTICE);
        assertThat(fromEdge.status()).isEqualTo(403);
        assertThat(fromEdge.error()).isEqualTo("node_id_mismatch");
        assertThat(fromEdge.message()).contains("'primary'");
        assertThat(purges()).doesNotContain("app.css");

        TlsIdentity origin = joined("primary", List.of("primary.origins.internal"));
        HttpReply fromOrigin = nodeCall("/api/v1/origin-events", Optional.of(origin), NOTICE);
        assertThat(fromOrigin.status()).as(fromOrigin.body()).isEqualTo(202);
        assertThat(purges()).contains("http://www.example.com/assets/app.css");
    }

    @Test
    void allowPlainOriginEventsKeepsThePlainListenerOpenForThemAlone() {
        try (ControlPlaneFixture open = new ControlPlaneFixture(elsewhere.resolve("open"),
                "tls: {nodeListen: 127.0.0.1:0, allowPlainOriginEvents: true}\n", Instant.now())) {
            HttpReply notice = open.post("/api/v1/origin-events", ControlPlaneFixture.NODE, NOTICE);
            assertThat(notice.status()).as(notice.body()).isEqualTo(202);
            assertThat(open.get("/api/v1/purges", ControlPlaneFixture.READER).body())
                    .contains("http://www.example.com/assets/app.css");
            HttpReply registration = open.post("/api/v1/nodes/register", ControlPlaneFixture.NODE, REGISTRATION);
            assertThat(registration.error()).isEqualTo("client_certificate_required");
        }
    }

    @Test
    void headerInjectionOverHttp2IsRefusedBeforeTheApiSeesIt() throws Exception {
        TlsIdentity node = joined("eu-1", List.of("eu-1.edges.internal"));
        javax.net.ssl.SSLSocketFactory tls = TlsContexts.client(ca, Optional.of(node)).context().getSocketFactory();
        byte[] body = REGISTRATION.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (RawHttp2 h2 = RawHttp2.connect(tls, "control-plane.test", cp.plane().nodeUri().orElseThrow().getPort())) {
            RawHttp2.Reply injected = h2.send("POST", "control-plane.test", "/api/v1/nodes/register", body,
                    "authorization", "Bearer " + ControlPlaneFixture.NODE, "content-type", "application/json",
                    "x-a", "1\r\nContent-Length: 0\r\n\r\nGET /api/v1/nodes HTTP/1.1\r\nX-Ignore: ");
            assertThat(injected.status()).contains(400);
            assertThat(Json.mapper().readTree(injected.body()).get("error").asString()).isEqualTo("bad_header");
            assertThat(nodes()).doesNotContain("\"eu-1\"");

            RawHttp2.Reply clean = h2.send("POST", "control-plane.test", "/api/v1/nodes/register", body,
                    "authorization", "Bearer " + ControlPlaneFixture.NODE, "content-type", "application/json");
            assertThat(clean.status()).as(clean.body()).contains(200);
        }
        assertThat(nodes()).contains("\"eu-1\"");
    }

    private void assertRefusedInHandshake(Optional<TlsIdentity> identity) {
        assertThatThrownBy(() -> register(identity)).isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(IOException.class);
        assertThat(cp.get("/api/v1/nodes", ControlPlaneFixture.READER).body()).doesNotContain("\"eu-1\"");
    }

    private TlsIdentity joined(String node, List<String> names) throws Exception {
        String token = JoinIT.token(cp, node, names, List.of("127.0.0.1"), "1h");
        KeyPair keys = Keys.ecP256();
        HttpReply reply = JoinIT.join(cp, token, Csr.create(keys, names, List.of()).pem());
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return new TlsIdentity(keys.getPrivate(), Pem.certificates(reply.json().get("certificate").asString()));
    }

    private String nodes() {
        return cp.get("/api/v1/nodes", ControlPlaneFixture.READER).body();
    }

    private String purges() {
        return cp.get("/api/v1/purges", ControlPlaneFixture.READER).body();
    }

    private static String registration(String id) {
        return """
                {"id":"%s","kind":"edge","region":"eu","publicUrl":"http://127.0.2.1:8080","appliedSequence":0,
                 "cacheEmpty":true}""".formatted(id);
    }

    private static String heartbeat(long requests) {
        return "{\"requests\":" + requests + ",\"hitRatio\":0,\"bytesCached\":0,\"appliedSequence\":0}";
    }

    private HttpReply register(Optional<TlsIdentity> identity) {
        return nodeCall("/api/v1/nodes/register", identity, REGISTRATION);
    }

    private HttpReply nodeCall(String path, Optional<TlsIdentity> identity, String json) {
        OkHttpClient client = client(identity);
        try {
            return cp.call(new Request.Builder().url(cp.plane().nodeUri().orElseThrow() + path)
                    .post(RequestBody.create(json, MediaType.get("application/json"))), ControlPlaneFixture.NODE,
                    client);
        } finally {
            client.connectionPool().evictAll();
        }
    }

    private OkHttpClient client(Optional<TlsIdentity> identity) {
        TlsContexts.Client tls = TlsContexts.client(ca, identity);
        return new OkHttpClient.Builder().sslSocketFactory(tls.context().getSocketFactory(), tls.trustManager())
                .retryOnConnectionFailure(false).callTimeout(Duration.ofSeconds(10)).build();
    }
}
