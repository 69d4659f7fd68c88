package dev.outpost.control.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.json.Json;
import dev.outpost.common.tls.Certificates;
import dev.outpost.common.tls.Csr;
import dev.outpost.common.tls.Keys;
import dev.outpost.common.tls.Pem;
import dev.outpost.control.ControlPlaneFixture;
import dev.outpost.testkit.HttpReply;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane's CA and the join flow over the real API: an admin makes a one-time join token naming what the
 * node may be called, the node sends it with a CSR and gets a certificate for exactly those names; every way a join
 * can be wrong is refused with a 4xx naming the problem.
 */
class JoinIT {
    static final String TLS = "tls: {nodeListen: 127.0.0.1:0}\n";

    @TempDir
    Path data;

    @Test
    void caIsCreatedOwnerOnlyOnFirstStartAndKeptAcrossRestarts() throws Exception {
        try (ControlPlaneFixture cp = new ControlPlaneFixture(data, TLS)) {
            Path key = data.resolve("ca").resolve("ca.key");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
            String before = cp.get("/api/v1/ca", null).json().get("certificate").asString();
            cp.restart();
            String after = cp.get("/api/v1/ca", null).json().get("certificate").asString();
            assertThat(after).isEqualTo(before);
            assertThat(Pem.certificate(after).getBasicConstraints()).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void aJoinTokenBuysOneCertificateForTheNamesItAllows() throws Exception {
        try (ControlPlaneFixture cp = new ControlPlaneFixture(data, TLS)) {
            String token = token(cp, "eu-1", List.of("eu-1.edges.internal", "eu-1.example.net"), List.of("127.0.2.1"),
                    "1h");
            HttpReply joined = join(cp, token, csr(List.of("eu-1.edges.internal"), List.of("127.0.2.1")));

            assertThat(joined.status()).isEqualTo(200);
            List<X509Certificate> chain = Pem.certificates(joined.json().get("certificate").asString());
            X509Certificate ca = Pem.certificate(joined.json().get("ca").asString());
            assertThat(chain).hasSize(2);
            chain.get(0).verify(ca.getPublicKey());
            assertThat(Certificates.dnsNames(chain.get(0))).containsExactly("eu-1.edges.internal");
            assertThat(Certificates.ipAddresses(chain.get(0))).containsExactly("127.0.2.1");
            assertThat(joined.json().get("node").asString()).isEqualTo("eu-1");
            assertThat(Certificates.nodeId(chain.get(0))).as("the token's node, bound into the certificate")
                    .contains("eu-1");

            HttpReply again = join(cp, token, csr(List.of("eu-1.edges.internal"), List.of()));
            assertThat(again.status()).isEqualTo(409);
            assertThat(again.error()).isEqualTo("join_token_used");
        }
    }

    @Test
    void joinTokensShowTheFingerprintOfTheCaTheNodeWillBeAnsweredWith() throws Exception {
        try (ControlPlaneFixture cp = new ControlPlaneFixture(data, TLS)) {
            HttpReply created = cp.post("/api/v1/join-tokens", ControlPlaneFixture.ADMIN,
                    "{\"node\":\"eu-1\",\"names\":[\"a.internal\"]}");
            String pin = created.json().get("caSha256").asString();
            HttpReply ca = cp.get("/api/v1/ca", null);

            assertThat(pin).matches("[0-9a-f]{64}");
            assertThat(pin).isEqualTo(Certificates.sha256(Pem.certificate(ca.json().get("certificate").asString())));
            assertThat(ca.json().get("sha256").asString()).isEqualTo(pin);
            HttpReply joined = join(cp, created.json().get("token").asString(), csr(List.of("a.internal"), List.of()));
            assertThat(Certificates.sha256(Pem.certificate(joined.json().get("ca").asString()))).isEqualTo(pin);
        }
    }

    @Test
    void unknownAndExpiredTokensAreRefused() throws Exception {
        try (ControlPlaneFixture cp = new ControlPlaneFixture(data, TLS)) {
            HttpReply unknown = join(cp, "oj_not-a-token-anyone-made", csr(List.of("a.internal"), List.of()));
            assertThat(unknown.status()).isEqualTo(401);
            assertThat(unknown.error()).isEqualTo("unknown_join_token");

            String token = token(cp, "eu-1", List.of("a.internal"), List.of(), "10m");
            cp.clock.advance(Duration.ofMinutes(11));
            HttpReply expired = join(cp, token, csr(List.of("a.internal"), List.of()));
            assertThat(expired.status()).isEqualTo(401);
            assertThat(expired.error()).isEqualTo("join_token_expired");
        }
    }

    @Test
    void badCsrsAreRefusedAndLeaveTheTokenUsable() throws Exception {
        try (ControlPlaneFixture cp = new ControlPlaneFixture(data, TLS)) {
            String token = token(cp, "eu-1", List.of("eu-1.edges.internal"), List.of("127.0.2.1"), "1h");

            HttpReply garbage = join(cp, token, "-----BEGIN CERTIFICATE REQUEST-----\nnot base64!\n"
                    + "-----END CERTIFICATE REQUEST-----\n");
            assertThat(garbage.status()).isEqualTo(400);
            assertThat(garbage.error()).isEqualTo("bad_csr");
            assertThat(join(cp, token, "").error()).isEqualTo("bad_csr");

            HttpReply otherName = join(cp, token, csr(List.of("www.bank.example"), List.of()));
            assertThat(otherName.status()).isEqualTo(403);
            assertThat(otherName.error()).isEqualTo("name_not_allowed");
            assertThat(otherName.message()).contains("www.bank.example");

            HttpReply otherAddress = join(cp, token, csr(List.of("eu-1.edges.internal"), List.of("10.0.0.1")));
            assertThat(otherAddress.error()).isEqualTo("name_not_allowed");
            assertThat(otherAddress.message()).contains("10.0.0.1");

            HttpReply controlPlaneName = join(cp, token, csr(List.of(Certificates.CONTROL_PLANE_NAME), List.of()));
            assertThat(controlPlaneName.error()).isEqualTo("name_not_allowed");

            assertThat(join(cp, token, csr(List.of("eu-1.edges.internal"), List.of())).status()).isEqualTo(200);
        }
    }

    @Test
    void onlyAdminsMakeTokensAndOnlyForSensibleNames() throws Exception {
        try (ControlPlaneFixture cp = new ControlPlaneFixture(data, TLS)) {
            String body = "{\"node\":\"eu-1\",\"names\":[\"eu-1.internal\"]}";
            assertThat(cp.post("/api/v1/join-tokens", null, body).status()).isEqualTo(401);
            HttpReply ops = cp.post("/api/v1/join-tokens", ControlPlaneFixture.OPS, body);
            assertThat(ops.status()).isEqualTo(403);
            assertThat(ops.message()).contains("admin");

            assertThat(create(cp, "{\"node\":\"eu-1\",\"names\":[\"" + Certificates.CONTROL_PLANE_NAME + "\"]}")
                    .error()).isEqualTo("reserved_name");
            assertThat(create(cp, "{\"node\":\"eu-1\"}").error()).isEqualTo("no_names");
            assertThat(create(cp, "{\"node\":\"eu 1\",\"names\":[\"a.internal\"]}").error()).isEqualTo("bad_node");
            assertThat(create(cp, "{\"node\":\"eu-1\",\"names\":[\"bad name\"]}").error()).isEqualTo("bad_name");
            assertThat(create(cp, "{\"node\":\"eu-1\",\"addresses\":[\"eu-1.internal\"]}").error())
                    .isEqualTo("bad_address");
            HttpReply tooLong = create(cp, "{\"node\":\"eu-1\",\"names\":[\"a.internal\"],\"ttl\":\"30d\"}");
            assertThat(tooLong.error()).isEqualTo("bad_ttl");
            assertThat(tooLong.message()).contains("tls.maxJoinTokenTtl");
        }
    }

    @Test
    void tokensSurviveARestart() throws Exception {
        try (ControlPlaneFixture cp = new ControlPlaneFixture(data, TLS)) {
            String token = token(cp, "eu-1", List.of("a.internal"), List.of(), "1h");
            cp.restart();
            assertThat(join(cp, token, csr(List.of("a.internal"), List.of())).status()).isEqualTo(200);
            cp.restart();
            assertThat(join(cp, token, csr(List.of("a.internal"), List.of())).error()).isEqualTo("join_token_used");
        }
    }

    @Test
    void withoutTlsThereIsNoCaAndNoJoin() throws Exception {
        try (ControlPlaneFixture cp = new ControlPlaneFixture(data)) {
            HttpReply join = join(cp, "oj_whatever", csr(List.of("a.internal"), List.of()));
            assertThat(join.status()).isEqualTo(404);
            assertThat(join.error()).isEqualTo("tls_not_configured");
            assertThat(Files.exists(data.resolve("ca"))).isFalse();
        }
    }

    static String token(ControlPlaneFixture cp, String node, List<String> names, List<String> addresses,
            String ttl) {
        HttpReply reply = cp.post("/api/v1/join-tokens", ControlPlaneFixture.ADMIN, Json.mapper().writeValueAsString(
                Map.of("node", node, "names", names, "addresses", addresses, "ttl", ttl)));
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        assertThat(reply.json().get("expiresAt").asString()).isNotBlank();
        return reply.json().get("token").asString();
    }

    static HttpReply join(ControlPlaneFixture cp, String token, String csrPem) {
        return cp.post("/api/v1/join", null, Json.mapper().writeValueAsString(Map.of("token", token, "csr", csrPem)));
    }

    private static HttpReply create(ControlPlaneFixture cp, String body) {
        HttpReply reply = cp.post("/api/v1/join-tokens", ControlPlaneFixture.ADMIN, body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        return reply;
    }

    static String csr(List<String> names, List<String> addresses) throws Exception {
        List<InetAddress> ips = addresses.stream().map(a -> {
            try {
                return InetAddress.getByName(a);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(e);
            }
        }).toList();
        return Csr.create(Keys.ecP256(), names, ips).pem();
    }
}
