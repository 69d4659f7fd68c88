package dev.outpost.control.replica;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.control.ControlPlaneFixture;
import dev.outpost.testkit.AccessLogLines;
import dev.outpost.testkit.ConfigCoverage;
import dev.outpost.testkit.ConfigTemplates;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.LoopbackPorts;
import dev.outpost.testkit.ManualClock;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A steering instance started from a file that sets every key to a value other than its default
 * ({@code config/every-key-steering.yml}): each setting shows where a client can see it (listener, the second control
 * plane taken after the first refuses, the feed token, the route API's tokens, trusted proxies, DNS, limits,
 * staleAfter), else on the config the instance was built from. The guard fails when the config record grows a key the
 * file does not set.
 */
class EverySteeringKeyTakesEffectIT {
    private static final String READER = "every-key-replica-reader";
    /** Given to the file as its SHA-256 only. */
    private static final String HASHED = "every-key-hashed-reader-0";

    @TempDir
    Path dir;
    private ControlPlaneFixture cp;
    private SteeringReplica replica;
    private String yaml;
    private Map<String, String> values;
    private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T00:00:00Z"));
    private final OkHttpClient http = new OkHttpClient.Builder().followRedirects(false)
            .callTimeout(Duration.ofSeconds(20)).build();

    @BeforeEach
    void start() throws Exception {
        cp = new ControlPlaneFixture(dir);
        cp.registerEdge("eu-1", "eu", "http://127.0.2.1:8080");
        cp.registerEdge("eu-2", "eu", "http://127.0.2.2:8080");
        cp.registerEdge("ap-1", "ap", "http://127.0.3.1:8080");
        values = new LinkedHashMap<>();
        values.put("HTTP_PORT", Integer.toString(LoopbackPorts.free()));
        values.put("DEAD_PORT", Integer.toString(LoopbackPorts.free()));
        values.put("DNS_PORT", Integer.toString(LoopbackPorts.free()));
        values.put("CONTROL_PLANE", cp.plane().apiUri().toString());
        values.put("ACCESS_LOG", dir.resolve("steering.access.log").toString());
        values.put("HASHED_SHA256", dev.outpost.control.ControlPlaneConfig.sha256(HASHED));
        yaml = ConfigTemplates.resource(EverySteeringKeyTakesEffectIT.class, "/config/every-key-steering.yml", values);
        replica = SteeringReplica.start(parse(yaml), clock);
        // the first fetch fails (nobody on DEAD_PORT), the next one goes to the second control plane at once
        for (int i = 0; i < 3 && !replica.freshness().known(); i++) {
            assertThat(replica.awaitNextFetch(Duration.ofSeconds(30))).isTrue();
        }
    }

    @AfterEach
    void stop() {
        if (replica != null) {
            replica.close();
        }
        cp.close();
        http.connectionPool().evictAll();
        http.dispatcher().executorService().shutdown();
    }

    private static SteeringReplicaConfig parse(String yaml) {
        return ConfigFiles.parse("every-key-steering.yml", yaml.getBytes(UTF_8), SteeringReplicaConfig.class);
    }

    private HttpReply get(String path, String token, String forwardedFor) {
        Request.Builder request = new Request.Builder().url(replica.uri() + path).header("Host", "www.example.com");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (forwardedFor != null) {
            request.header("X-Forwarded-For", forwardedFor);
        }
        return HttpReply.call(http, request.build());
    }

    @Test
    void theFileSetsEveryKeyOfTheConfigRecord() throws Exception {
        assertThat(ConfigCoverage.unsetKeys(SteeringReplicaConfig.class, Json.yaml().readTree(yaml)))
                .as("keys of steering.yml that every-key-steering.yml does not set (add each, with a check here)")
                .isEmpty();
    }

    @Test
    void theInstanceRunsWithTheWholeFile() {
        assertThat(replica.config()).isEqualTo(parse(yaml));
        assertThat(replica.config().pollInterval()).as("pollInterval").isEqualTo(Duration.ofMillis(300));
        assertThat(replica.config().limits().maxConcurrentStreams()).as("limits.maxConcurrentStreams (its effect: Http2FloodIT)")
                .isEqualTo(64);
        assertThat(replica.config().limits().drainTimeout()).as("limits.drainTimeout (its effect: NodeServerDrainIT)")
                .isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void listenControlPlanesAndTokenBringTheStateFromTheSecondControlPlane() {
        assertThat(replica.uri().getPort()).isEqualTo(Integer.parseInt(values.get("HTTP_PORT")));
        assertThat(replica.freshness().known()).as("token: the feed answered it").isTrue();
        HttpReply route = get("/api/v1/route?url=http://www.example.com/a&client=127.0.3.9", READER, null);
        assertThat(route.status()).as(route.body()).isEqualTo(200);
        assertThat(route.json().get("chosen").asString()).isEqualTo("ap-1");
    }

    @Test
    void tokensGuardTheRouteApiAndTrustedProxiesNameTheClient() {
        assertThat(get("/api/v1/route?url=http://www.example.com/a", null, null).status()).isEqualTo(401);
        assertThat(get("/api/v1/route?url=http://www.example.com/a", HASHED, null).status())
                .as("a token given by its sha256").isEqualTo(200);
        assertThat(get("/api/v1/route?url=http://www.example.com/a", ControlPlaneFixture.READER, null).status())
                .as("the control plane's tokens are not the instance's").isEqualTo(401);
        HttpReply redirect = get("/a.js", null, "127.0.3.9");
        assertThat(redirect.status()).isEqualTo(302);
        assertThat(redirect.header("X-Outpost-Steering")).as("trustedProxies 127.0.0.1/32: the forwarded client, ap")
                .isEqualTo("ap-1");
    }

    @Test
    void accessLogWritesTextLinesNamedForTheInstanceToTheFileWithTheChosenParametersRedacted() throws Exception {
        assertThat(get("/api/v1/route?url=http://www.example.com/a&client=127.0.3.9", READER, null).status())
                .isEqualTo(200);
        String line = AccessLogLines.awaitText(dir.resolve("steering.access.log"), "/api/v1/route");
        assertThat(line).as("format text, node, redactQueryParameters").contains(" node=steering-every-key ")
                .contains("client=REDACTED").doesNotContain("127.0.3.9").doesNotStartWith("{");
    }

    @Test
    void staleAfterMarksTheStateStale() {
        clock.advance(Duration.ofSeconds(4));
        assertThat(replica.freshness().stale()).isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(replica.freshness().stale()).as("staleAfter 5s").isTrue();
    }

    @Test
    void dnsAnswersOnItsPortWithItsTtlAndAnswerCount() throws Exception {
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress("127.0.0.1",
                Integer.parseInt(values.get("DNS_PORT"))));
        resolver.setLocalAddress(InetAddress.getByName("127.0.2.50"));
        resolver.setTimeout(Duration.ofSeconds(10));
        Message reply = resolver.send(Message.newQuery(Record.newRecord(Name.fromString("cdn.every-key.test."),
                Type.A, DClass.IN)));
        assertThat(reply.getSection(Section.ANSWER)).as("dns.answers 2").hasSize(2);
        assertThat(reply.getSection(Section.ANSWER).get(0).getTTL()).as("dns.ttl").isEqualTo(7);
    }

    @Test
    void limitsBoundTheListener() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", replica.uri().getPort())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: s\r\nX-Filler: " + "a".repeat(6000) + "\r\n\r\n").getBytes(UTF_8));
            String line = new String(socket.getInputStream().readNBytes(12), UTF_8);
            assertThat(line).as("a 6 KiB head over limits.maxHeaderBytes 4096").matches("HTTP/1.1 4(00|31)");
        } catch (java.net.SocketException closed) {
            // also a refusal: the connection was closed on the oversized head
        }
        get("/api/v1/route?url=http://www.example.com/a", "wrong-token-0123456789", null);
        get("/api/v1/route?url=http://www.example.com/a", "wrong-token-0123456789", null);
        assertThat(get("/api/v1/route?url=http://www.example.com/a", READER, null).status())
                .as("limits.failedAuth.maxFailures 2").isEqualTo(429);
    }
}
