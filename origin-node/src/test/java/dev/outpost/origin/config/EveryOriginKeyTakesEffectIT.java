package dev.outpost.origin.config;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.common.tls.CertificateAuthority;
import dev.outpost.common.tls.Certificates;
import dev.outpost.common.tls.Csr;
import dev.outpost.common.tls.Keys;
import dev.outpost.common.tls.NodeCertificate;
import dev.outpost.common.tls.Pem;
import dev.outpost.common.tls.SecretFiles;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import dev.outpost.testkit.AccessLogLines;
import dev.outpost.testkit.ConfigCoverage;
import dev.outpost.testkit.ConfigTemplates;
import dev.outpost.testkit.LoopbackPorts;
import dev.outpost.testkit.RawRequests;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
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
 * Issue 14 §2 for the origin: a primary and its replica started from a config file that sets every key to a value
 * other than its default ({@code config/every-key-origin.yml}; {@code replication} differs between the two), each
 * setting shown on the running origins: observably where a client can see it, else on the config the node was built
 * from. The guard fails when a config record grows a key the two files do not set.
 */
class EveryOriginKeyTakesEffectIT {
    private static final String TOKEN = "every-key-origin-token";
    static final String PRIMARY_REPLICATION = """
            replication: {name: every-key-primary, syncReplicas: 1, syncTimeout: 20s, historyEntries: 500, \
            directory: .every-key/changes}
            """;

    @TempDir
    Path dir;
    private final MockWebServer receiver = new MockWebServer();
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false)
            .readTimeout(Duration.ofSeconds(30)).callTimeout(Duration.ofSeconds(30)).build();
    private String primaryYaml;
    private String replicaYaml;
    private OriginNode primary;
    private OriginNode replica;

    /** The file with its placeholders filled in. */
    static String yaml(Map<String, String> values) {
        return ConfigTemplates.resource(EveryOriginKeyTakesEffectIT.class, "/config/every-key-origin.yml", values);
    }

    /** A node certificate in {@code tlsDir}, from a CA of the test's own (what a join leaves behind). */
    static String provisionCertificate(Path caDir, Path tlsDir) {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(caDir, "Outpost CA", Clock.systemUTC());
        KeyPair keys = Keys.ecP256();
        SecretFiles.ownerOnlyDirectory(tlsDir);
        SecretFiles.write(tlsDir.resolve(NodeCertificate.KEY_FILE), Pem.encode(keys.getPrivate()));
        SecretFiles.write(tlsDir.resolve(NodeCertificate.CERT_FILE), Pem.encode(ca.chain(ca.issue(Csr.create(keys,
                List.of("origin.every-key.test"), List.of(InetAddress.getLoopbackAddress())), Duration.ofDays(30)))));
        SecretFiles.write(tlsDir.resolve(NodeCertificate.CA_FILE), Pem.encode(ca.certificate()));
        return Certificates.sha256(ca.certificate());
    }

    private Map<String, String> values(String name, String replication) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("PORT", Integer.toString(LoopbackPorts.free()));
        values.put("DATA", Files.createDirectories(dir.resolve(name + "-data")).toString());
        // The primary names one control plane per key, the replica several (notifications.urls, tls.joinUrls,
        // tls.controlPlaneUrls: exactly one of each pair); the replica's first receiver is a closed port.
        boolean lists = !name.equals("primary");
        values.put("NOTIFY", lists ? "urls: [\"http://127.0.0.1:" + LoopbackPorts.free() + "/events\", \""
                + receiver.url("/events") + "\"]" : "url: \"" + receiver.url("/events") + "\"");
        values.put("JOIN", lists ? "joinUrls: [\"http://127.0.0.1:1\", \"http://127.0.0.1:2\"]"
                : "joinUrl: \"http://127.0.0.1:1\"");
        values.put("RENEW", lists ? "controlPlaneUrls: [\"https://127.0.0.1:1\", \"https://127.0.0.1:2\"]"
                : "controlPlaneUrl: \"https://127.0.0.1:1\"");
        values.put("CA_SHA256", provisionCertificate(dir.resolve("ca"), dir.resolve(name + "-tls")));
        values.put("TLS_DIR", dir.resolve(name + "-tls").toString());
        values.put("REPLICATION", replication);
        values.put("ACCESS_LOG", dir.resolve("logs/" + name + ".access.log").toString());
        return values;
    }

    @BeforeEach
    void start() throws Exception {
        receiver.start(InetAddress.getByName("127.0.0.1"), 0);
        primaryYaml = yaml(values("primary", PRIMARY_REPLICATION));
        primary = OriginNode.start(parse(primaryYaml));
        replicaYaml = yaml(values("replica", "replication: {name: every-key-replica, replicaOf: \""
                + primary.baseUri() + "\", pollWait: 3s}"));
        replica = OriginNode.start(parse(replicaYaml));
        // with syncReplicas 1 a write waits for the replica: let it copy the (empty) primary once first
        await().atMost(Duration.ofSeconds(60)).until(() -> replica.replication().following().orElseThrow().ready());
    }

    private static OriginConfig parse(String yaml) {
        return ConfigFiles.parse("every-key-origin.yml", yaml.getBytes(UTF_8), OriginConfig.class);
    }

    @AfterEach
    void stop() {
        for (OriginNode node : new OriginNode[] {replica, primary}) {
            if (node != null) {
                node.close();
            }
        }
        receiver.close();
        http.connectionPool().evictAll();
        http.dispatcher().executorService().shutdown();
    }

    @Test
    void theAccessLogAndServerTimingAreTheFilesOnes() throws Exception {
        try (Response answer = http.newCall(new Request.Builder().url(primary.baseUri() + "/_origin/health"
                + "?track_secret=s3cr3t").build()).execute()) {
            assertThat(answer.header("Server-Timing")).as("serverTiming").startsWith("total;dur=");
        }
        String line = AccessLogLines.awaitText(dir.resolve("logs/primary.access.log"), "track_secret=REDACTED");
        assertThat(line).as("accessLog.format text, accessLog.node, accessLog.redactQueryParameters")
                .contains(" node=every-key-origin-log ").doesNotContain("s3cr3t");
        assertThat(primary.config().accessLog().maxFileBytes()).isEqualTo(70_000);
        assertThat(primary.config().accessLog().maxFiles()).isEqualTo(1);
    }

    @Test
    void theTwoFilesSetEveryKeyOfEveryConfigRecord() throws Exception {
        JsonNode files = Json.mapper().createObjectNode();
        JsonNode primaryFile = Json.yaml().readTree(primaryYaml);
        JsonNode replicaFile = Json.yaml().readTree(replicaYaml);
        ((tools.jackson.databind.node.ObjectNode) files).setAll((tools.jackson.databind.node.ObjectNode) primaryFile);
        ((tools.jackson.databind.node.ObjectNode) files.get("replication"))
                .setAll((tools.jackson.databind.node.ObjectNode) replicaFile.get("replication"));
        for (String section : List.of("notifications", "tls")) {
            ((tools.jackson.databind.node.ObjectNode) files.get(section))
                    .setAll((tools.jackson.databind.node.ObjectNode) replicaFile.get(section));
        }
        assertThat(ConfigCoverage.unsetKeys(OriginConfig.class, files))
                .as("keys of the origin config that every-key-origin.yml does not set (add each, with a check here)")
                .isEmpty();
    }

    @Test
    void theNodesRunWithTheirWholeFiles() {
        assertThat(primary.config()).isEqualTo(parse(primaryYaml));
        assertThat(replica.config()).isEqualTo(parse(replicaYaml));
        OriginConfig config = primary.config();
        assertThat(config.notifications().maxPending()).isEqualTo(5);
        assertThat(config.notifications().initialBackoff()).isEqualTo(Duration.ofMillis(50));
        assertThat(config.notifications().timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.notifications().maxTries()).isEqualTo(4);
        assertThat(config.notifications().deadLetterMaxBytes()).isEqualTo(65_536);
        assertThat(config.limits().requestParseTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(config.limits().maxConcurrentStreams()).as("limits.maxConcurrentStreams (its effect: Http2FloodIT)")
                .isEqualTo(64);
        assertThat(config.limits().drainTimeout()).as("limits.drainTimeout (its effect: NodeServerDrainIT)")
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(config.tls().orElseThrow().renewBefore()).isEqualTo(Duration.ofDays(5));
        assertThat(primary.certificate()).as("tls: the node certificate is held").isPresent();
        assertThat(Path.of(config.data()).resolve(".every-key/changes")).as("replication.directory").isDirectory();
        assertThat(Path.of(config.data()).resolve(".every-key/notices")).as("notifications.queueDirectory")
                .isDirectory();
        assertThat(primary.replication().sync().orElseThrow().timeoutMillis()).isEqualTo(20_000);
        assertThat(replica.replication().following().orElseThrow().primary()).startsWith(primary.baseUri().toString());

        OriginConfig lists = replica.config();
        assertThat(lists.notifications().urls()).as("notifications.urls, in order").hasSize(2);
        assertThat(lists.notifications().url()).as("notifications.url reads back the first")
                .contains(lists.notifications().urls().get(0));
        assertThat(lists.tls().orElseThrow().joinUrls()).as("tls.joinUrls")
                .containsExactly(URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2"));
        assertThat(lists.tls().orElseThrow().controlPlaneUrls()).as("tls.controlPlaneUrls")
                .containsExactly(URI.create("https://127.0.0.1:1"), URI.create("https://127.0.0.1:2"));
        // the failover itself: ChangeNotifierFailoverIT, NodeCertificateFailoverIT
    }

    @Test
    void theListenerTokenRulesAndUploadLimitAreTheFilesOnes() throws Exception {
        assertThat(primary.baseUri().getPort()).isEqualTo(primary.config().listenAddress().port());
        assertThat(put("/assets/app.js", "x", "wrong-token-0123").code()).isIn(401, 403);
        Response written = put("/assets/app.js", "console.log(1)", TOKEN);
        assertThat(written.code()).as("apiToken; syncReplicas 1: answered once the replica has it").isEqualTo(201);
        assertThat(Files.readString(Path.of(replica.config().data()).resolve("assets/app.js")))
                .isEqualTo("console.log(1)");
        assertThat(put("/big.bin", "y".repeat(2000), TOKEN).code()).as("maxUploadBytes 1000").isEqualTo(413);
        try (Response asset = http.newCall(new Request.Builder().url(primary.baseUri() + "/assets/app.js").build())
                .execute()) {
            assertThat(asset.header("Cache-Control")).as("rules[0]").isEqualTo("public, max-age=31536000, immutable");
            assertThat(asset.header("Surrogate-Key")).isEqualTo("static");
        }
        put("/page.html", "<p>", TOKEN).close();
        try (Response page = http.newCall(new Request.Builder().url(primary.baseUri() + "/page.html").build())
                .execute()) {
            assertThat(page.header("Cache-Control")).as("defaults").isEqualTo("public, max-age=7");
            assertThat(page.header("Surrogate-Key")).isEqualTo("site");
        }
        assertThat(replica.replication().name()).isEqualTo("every-key-replica");
        assertThat(primary.replication().replicas()).extracting(r -> r.name()).contains("every-key-replica");
    }

    @Test
    void changesAreAnnouncedWithTheFilesToken() throws Exception {
        receiver.enqueue(new MockResponse.Builder().code(202).build());
        assertThat(put("/a.css", "a{}", TOKEN).code()).isEqualTo(201);
        RecordedRequest notice = receiver.takeRequest(10, TimeUnit.SECONDS);
        assertThat(notice).as("notifications.url").isNotNull();
        assertThat(notice.getHeaders().get("Authorization")).isEqualTo("Bearer every-key-notify-token");
        assertThat(notice.getBody().utf8()).contains("/a.css");
    }

    @Test
    void listenerLimitsAndTheFailedAuthBudgetAreEnforced() throws Exception {
        String bigHead = "GET /x HTTP/1.1\r\nHost: o\r\nX-Filler: " + "a".repeat(6000) + "\r\n\r\n";
        assertThat(RawRequests.statusOf(primary.port(), bigHead))
                .as("a 6 KiB head over limits.maxHeaderBytes 4096").isEqualTo(431);
        put("/a.txt", "a", "wrong-token-0123").close();
        put("/a.txt", "a", "wrong-token-0123").close();
        assertThat(put("/a.txt", "a", TOKEN).code()).as("limits.failedAuth.maxFailures 2").isEqualTo(429);
    }

    private Response put(String path, String body, String token) throws IOException {
        return http.newCall(new Request.Builder().url(primary.baseUri() + "/_origin/assets" + path)
                .header("Authorization", "Bearer " + token)
                .put(RequestBody.create(body, MediaType.get("text/plain"))).build()).execute();
    }

    @Test
    void aSectionThatCanTakeNoEffectFailsStartUpNamingIt() {
        OriginConfig base = OriginConfig.of(dir.toString());
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> base.withNotify(
                OriginConfig.Notify.DISABLED.withToken("t")).requireEverySectionUsed()))
                .hasMessageContaining("notifications: no notifications.url");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> parse("data: d\ntls: {dir: /tmp/t}\n")
                .requireEverySectionUsed())).hasMessageContaining("tls: the node certificate serves")
                .hasMessageContaining("tls.controlPlaneUrl");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> parse("data: d\ntls: {dir: /tmp/t, "
                + "controlPlaneUrl: \"https://127.0.0.1:1\", joinToken: j}\n").requireEverySectionUsed()))
                .hasMessageContaining("tls.joinToken needs tls.joinUrl");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> parse("data: d\nreplication: {pollWait: 5s}\n")
                .requireEverySectionUsed())).hasMessageContaining("replication.pollWait is a replica's setting");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> parse("data: d\nnotifications: "
                + "{timeoutMillis: 100}\n"))).hasMessageContaining("'notifications.timeoutMillis' was renamed: use "
                + "'notifications.timeout'");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> parse("data: d\nmaxUploadBytes: 0\n")))
                .hasMessageContaining("maxUploadBytes must be >= 1, was 0");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> parse("data: d\nreplication: "
                + "{directory: changes}\n"))).hasMessageContaining("replication.directory 'changes' lies in the data "
                + "directory, where it would be served");
    }
}
