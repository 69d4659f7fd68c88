package dev.outpost.cli.system;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.common.tls.CertificateAuthority;
import dev.outpost.common.tls.Certificates;
import dev.outpost.common.tls.Pem;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.AdminConfig;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.edge.config.EdgeTls;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import dev.outpost.origin.OriginTls;
import dev.outpost.testkit.ManualClock;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A control plane with TLS and an edge that joins it with a one-time token: the edge gets its certificate, keeps it
 * owner-only, registers and heartbeats over mutual TLS, receives a live purge over its mutual-TLS admin listener,
 * renews its certificate without a restart, and starts again from the stored certificate without a token; an
 * origin joins too and sends its change notices over mutual TLS. Joins pinned to another CA, and certificates
 * naming another node, stop the edge at start.
 */
class MutualTlsIT {
    private static final String ADMIN = "admin-token-0123456789";
    private static final String OPS = "ops-token-0123456789";
    private static final String NODE = "node-token-0123456789";
    private static final String EDGE_ADMIN = "edge-admin-token-0123456789";
    private static final String ORIGIN_API = "origin-api-token-0123";

    @TempDir
    Path dir;

    private ControlPlane plane;
    private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(20)).build();

    @BeforeEach
    void startControlPlane() {
        // Heartbeats every 30 s: a purge that completes within seconds was delivered live, not by catch-up.
        String yaml = """
                listen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read, "purge:all"]}
                  - {name: edges, token: %s, scopes: [node]}
                  - {name: root, token: %s, scopes: [admin]}
                edgeToken: %s
                heartbeat: {interval: 30s, timeout: 90s}
                regions: [{name: default, cidrs: [127.0.2.0/24]}]
                tls: {nodeListen: 127.0.0.1:0, addresses: [127.0.0.1], certificateValidity: 1h}
                origins: [{id: primary, hosts: [www.example.test]}]
                """.formatted(dir.resolve("cp"), OPS, NODE, ADMIN, EDGE_ADMIN);
        plane = ControlPlane.start(ConfigFiles.parse("cp.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class),
                Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        plane.close();
        http.connectionPool().evictAll();
    }

    @Test
    void anEdgeJoinsTalksMutualTlsAndRenewsWithoutARestart() throws Exception {
        JoinToken token = joinToken("eu-1");
        // the edge's clock, moved forward by hand to make its certificate due; real time otherwise
        ManualClock edgeClock = new ManualClock(Instant.now());
        Path tlsDir = dir.resolve("edge-tls");
        // Pinned to the CA fingerprint the join-token answer showed: no trust on first use.
        EdgeConfig config = edgeConfig(tlsDir, token.secret(), Optional.of(token.caSha256()));

        try (EdgeNode edge = EdgeNode.start(config, edgeClock)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tlsDir.resolve("node.key"))))
                    .isEqualTo("rw-------");
            X509Certificate joined = edge.certificate().orElseThrow().keys().node().leaf();
            assertThat(Certificates.ipAddresses(joined)).containsExactly("127.0.0.1");
            assertThat(Certificates.nodeId(joined)).contains("eu-1");
            assertThat(edge.adminUri().orElseThrow().getScheme()).isEqualTo("https");
            await().atMost(Duration.ofSeconds(20)).until(() -> edge.controlPlaneLink().orElseThrow().registered());

            String purge = submitPurge();
            JsonNode status = api("GET", "/api/v1/purges/" + purge + "?wait=10s", OPS, null);
            assertThat(status.get("status").asString()).as(status.toString()).isEqualTo("complete");
            assertThat(status.get("edges").get(0).get("state").asString()).isEqualTo("applied");

            // 45 of 60 minutes later the certificate is due (a third of its lifetime before expiry).
            String storedBefore = Files.readString(tlsDir.resolve("node.crt"));
            edgeClock.advance(Duration.ofMinutes(45));
            await().atMost(Duration.ofSeconds(20)).until(() -> !edge.certificate().orElseThrow().keys().node().leaf()
                    .getSerialNumber().equals(joined.getSerialNumber()));
            // Back in step with the control plane's clock, the renewed certificate is no longer due.
            edgeClock.set(Instant.now());
            X509Certificate renewed = edge.certificate().orElseThrow().keys().node().leaf();
            assertThat(renewed.getNotAfter()).isAfterOrEqualTo(joined.getNotAfter()); // second precision
            assertThat(Certificates.ipAddresses(renewed)).containsExactly("127.0.0.1");
            assertThat(Certificates.nodeId(renewed)).contains("eu-1");
            await().atMost(Duration.ofSeconds(10)).until(() -> Pem.certificate(Files.readString(
                    tlsDir.resolve("node.crt"))).equals(edge.certificate().orElseThrow().keys().node().leaf()));
            assertThat(Files.readString(tlsDir.resolve("node.crt"))).isNotEqualTo(storedBefore);

            // The renewed certificate is used for node traffic from the next handshake on.
            String second = submitPurge();
            assertThat(api("GET", "/api/v1/purges/" + second + "?wait=10s", OPS, null).get("status").asString())
                    .isEqualTo("complete");
        }

        // Restarted with the same (now used) token: the stored certificate is loaded, no join is attempted.
        try (EdgeNode again = EdgeNode.start(config, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> again.controlPlaneLink().orElseThrow().registered());
        }
    }

    @Test
    void aUsedJoinTokenStopsASecondEdgeFromStarting() throws Exception {
        String token = joinToken("eu-1").secret();
        try (EdgeNode first = EdgeNode.start(edgeConfig(dir.resolve("first"), token, Optional.empty()),
                Clock.systemUTC())) {
            assertThatThrownBy(() -> EdgeNode.start(edgeConfig(dir.resolve("second"), token, Optional.empty()),
                    Clock.systemUTC())).hasMessageContaining("join_token_used");
        }
    }

    @Test
    void anEdgePinnedToAnotherCaDoesNotStartAndStoresNothing() throws Exception {
        JoinToken token = joinToken("eu-1");
        String otherCa = Certificates.sha256(CertificateAuthority.openOrCreate(dir.resolve("other-ca"), "Outpost CA",
                Clock.systemUTC()).certificate());
        Path tlsDir = dir.resolve("pinned-elsewhere");

        assertThatThrownBy(() -> EdgeNode.start(edgeConfig(tlsDir, token.secret(), Optional.of(otherCa)),
                Clock.systemUTC())).hasMessageContaining("tls.caSha256").hasMessageContaining(otherCa)
                .hasMessageContaining(token.caSha256());
        assertThat(tlsDir.resolve("node.key")).doesNotExist();
        assertThat(tlsDir.resolve("node.crt")).doesNotExist();
        // The token was never sent, so the edge with the right pin still joins with it.
        try (EdgeNode edge = EdgeNode.start(edgeConfig(tlsDir, token.secret(), Optional.of(token.caSha256())),
                Clock.systemUTC())) {
            assertThat(tlsDir.resolve("node.key")).exists();
        }
    }

    @Test
    void anEdgeWhoseJoinTokenNamedAnotherNodeDoesNotStart() throws Exception {
        String token = joinToken("eu-2").secret();
        // The edge's id is eu-1: the node listener would refuse its registrations, so it stops at once.
        assertThatThrownBy(() -> EdgeNode.start(edgeConfig(dir.resolve("wrong-id"), token, Optional.empty()),
                Clock.systemUTC())).hasMessageContaining("issued to node 'eu-2'").hasMessageContaining("'eu-1'");
        assertThat(api("GET", "/api/v1/nodes", OPS, null).get("nodes")).isEmpty();
    }

    @Test
    void anOriginJoinsAndAnnouncesChangesOverMutualTls() throws Exception {
        // The origin's certificate must name the origin the notices are for (origins[].id), not an edge.
        String token = joinToken("primary").secret();
        URI nodeListener = plane.nodeUri().orElseThrow();
        Path tlsDir = dir.resolve("origin-tls");
        OriginConfig config = OriginConfig.of(dir.resolve("origin-data").toString()).withListen("127.0.0.1:0")
                .withApiToken(ORIGIN_API)
                .withNotify(OriginConfig.Notify.to(URI.create(nodeListener + "/api/v1/origin-events")).withToken(NODE))
                .withTls(OriginTls.joining(tlsDir.toString(), plane.apiUri(), token, List.of("127.0.0.1"))
                        .withControlPlaneUrl(nodeListener, Duration.ofDays(10), Duration.ofHours(1)));
        try (OriginNode origin = OriginNode.start(config)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tlsDir.resolve("node.key"))))
                    .isEqualTo("rw-------");
            assertThat(origin.certificate().orElseThrow().keys().node().leaf().getIssuerX500Principal().getName())
                    .isEqualTo("CN=Outpost CA");
            Request put = new Request.Builder().url(origin.baseUri() + "/_origin/assets/css/site.css")
                    .header("Authorization", "Bearer " + ORIGIN_API)
                    .put(RequestBody.create("body { }", MediaType.get("text/css"))).build();
            try (Response response = http.newCall(put).execute()) {
                assertThat(response.code()).isBetween(200, 201);
            }
            // The change notice reached the node listener (mutual TLS) and became a purge of the URL.
            await().atMost(Duration.ofSeconds(20)).until(() -> api("GET", "/api/v1/purges", OPS, null).toString()
                    .contains("http://www.example.test/css/site.css"));
        }
    }

    private EdgeConfig edgeConfig(Path tlsDir, String token, Optional<String> caSha256) {
        DeliveryService service = DeliveryService.of("www", List.of("www.example.test"),
                List.of(URI.create("http://127.0.0.1:1")));
        URI api = URI.create(plane.apiUri().toString());
        EdgeTls tls = EdgeTls.in(tlsDir.toString())
                .withJoin(token, List.of(), List.of("127.0.0.1"))
                .withControlPlaneUrl(plane.nodeUri().orElseThrow())
                .withRenewal(Duration.ofDays(10), Duration.ofMillis(200));
        return EdgeConfig.of("eu-1", "127.0.0.1:0", service)
                .withAdmin(new AdminConfig("127.0.0.1:0", EDGE_ADMIN))
                .withControlPlane(ControlPlaneLinkConfig.of(api, NODE))
                .withTls(caSha256.map(tls::withCaSha256).orElse(tls));
    }

    /** A join token's secret and the CA fingerprint its answer shows. */
    private record JoinToken(String secret, String caSha256) {
    }

    private JoinToken joinToken(String node) throws IOException {
        JsonNode created = api("POST", "/api/v1/join-tokens", ADMIN, Json.mapper().writeValueAsString(
                Map.of("node", node, "addresses", List.of("127.0.0.1"), "ttl", "10m")));
        return new JoinToken(created.get("token").asString(), created.get("caSha256").asString());
    }

    private String submitPurge() throws IOException {
        return api("POST", "/api/v1/purges", OPS, "{\"all\":true,\"confirmPurgeAll\":true}").get("id").asString();
    }

    private JsonNode api(String method, String path, String token, String json) throws IOException {
        Request.Builder request = new Request.Builder().url(plane.apiUri() + path)
                .header("Authorization", "Bearer " + token)
                .method(method, json == null ? null : RequestBody.create(json, MediaType.get("application/json")));
        try (Response response = http.newCall(request.build()).execute()) {
            String body = response.body().string();
            assertThat(response.code()).as(body).isBetween(200, 299);
            return Json.mapper().readTree(body);
        }
    }
}
