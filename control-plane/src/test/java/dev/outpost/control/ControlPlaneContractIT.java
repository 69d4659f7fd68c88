package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.ADMIN;
import static dev.outpost.control.ControlPlaneFixture.CONFIG;
import static dev.outpost.control.ControlPlaneFixture.NODE;
import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static dev.outpost.control.ControlPlaneFixture.STEERING;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.json.Json;
import dev.outpost.common.tls.Csr;
import dev.outpost.common.tls.Keys;
import dev.outpost.common.tls.Pem;
import dev.outpost.common.tls.TlsContexts;
import dev.outpost.common.tls.TlsIdentity;
import dev.outpost.testkit.ApiContract;
import dev.outpost.testkit.HttpReply;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane's OpenAPI document ({@code openapi/control-plane.json}, served at {@code /api/v1/openapi.json})
 * is true: every route the API's table serves is documented and every documented one served (no drift either way),
 * every documented operation answers a real call with a documented status and a body that validates against its
 * schema, and refusals carry the documented error body. A control plane with {@code tls}, so the CA, join and
 * node-listener calls are real too; a fake origin takes the write-through upload.
 */
class ControlPlaneContractIT {
    private static final String DOCUMENT = "openapi/control-plane.json";

    @TempDir
    Path data;
    private final ApiContract contract = ApiContract.of(DOCUMENT);
    private final List<String> breaches = new ArrayList<>();
    private final MockWebServer origin = new MockWebServer();
    /** eu-1's admin API: refuses every entry (400) until {@link #edgeTakes} is set, so entries dead-letter. */
    private final MockWebServer edgeAdmin = new MockWebServer();
    private final java.util.concurrent.atomic.AtomicBoolean edgeTakes = new java.util.concurrent.atomic.AtomicBoolean();
    private ControlPlaneFixture cp;
    private X509Certificate ca;

    @BeforeEach
    void start() throws Exception {
        origin.start(InetAddress.getLoopbackAddress(), 0);
        edgeAdmin.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(mockwebserver3.RecordedRequest request) {
                return edgeTakes.get()
                        ? new MockResponse.Builder().code(200).body("{\"unknownHosts\":[],\"removed\":1,"
                                + "\"markedStale\":0}").build()
                        : new MockResponse.Builder().code(400).body("{\"error\":\"bad_purge\",\"message\":"
                                + "\"refused by the contract test's edge\"}").build();
            }
        });
        edgeAdmin.start(InetAddress.getLoopbackAddress(), 0);
        // The real clock: certificates the CA issues must pass real TLS handshakes.
        cp = new ControlPlaneFixture(data, """
                tls: {nodeListen: 127.0.0.1:0, allowPlainOriginEvents: true}
                origins:
                  - id: primary
                    hosts: [www.example.com, static.example.com]
                    url: http://127.0.0.1:%d
                    token: origin-api-token
                """.formatted(origin.getPort()), Instant.now());
        ca = Pem.certificate(cp.get("/api/v1/ca", null).json().get("certificate").asString());
    }

    @AfterEach
    void stop() {
        cp.close();
        origin.close();
        edgeAdmin.close();
    }

    @Test
    void theDocumentKeepsTheHouseRules() {
        assertThat(contract.ruleBreaches()).isEmpty();
    }

    @Test
    void everyRouteTheApiServesIsDocumentedAndEveryDocumentedRouteIsServed() {
        List<String> served = cp.plane().apiEndpoints().stream().map(Object::toString).toList();
        assertThat(contract.drift(served)).as("drift between the API's route table and " + DOCUMENT).isEmpty();
    }

    @Test
    void aRouteThatAppearsWithoutDocumentationIsNamedWithWhereToAddIt() {
        List<String> served = new ArrayList<>(cp.plane().apiEndpoints().stream().map(Object::toString).toList());
        served.add("GET /api/v1/not-yet-documented");

        assertThat(contract.drift(served)).singleElement().asString()
                .startsWith("GET /api/v1/not-yet-documented is served but not documented: add it to paths in "
                        + DOCUMENT);
    }

    @Test
    void theDocumentIsServedWithoutATokenAsTheJarHoldsIt() throws Exception {
        HttpReply served = cp.get("/api/v1/openapi.json", null);
        byte[] resource;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(DOCUMENT)) {
            resource = in.readAllBytes();
        }
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.header("Content-Type")).isEqualTo("application/json");
        assertThat(served.body()).isEqualTo(new String(resource, UTF_8));
    }

    @Test
    void everyDocumentedOperationAnswersAsDocumented() throws Exception {
        check("GET", "/api/v1/openapi.json", cp.get("/api/v1/openapi.json", null));
        check("GET", "/api/v1/ca", cp.get("/api/v1/ca", null));
        check("GET", "/dashboard", cp.get("/dashboard", null));
        check("GET", "/dashboard/{asset}", cp.get("/dashboard/dashboard.js", null));
        check("HEAD", "/dashboard", cp.call(new Request.Builder().url(cp.plane().apiUri() + "/dashboard").head(), null,
                cp.http()));
        check("HEAD", "/dashboard/{asset}", cp.call(new Request.Builder().url(cp.plane().apiUri()
                + "/dashboard/dashboard.css").head(), null, cp.http()));
        check("GET", "/api/v1/metrics", cp.get("/api/v1/metrics", null));
        check("HEAD", "/api/v1/metrics", cp.call(new Request.Builder().url(cp.plane().apiUri() + "/api/v1/metrics")
                .head(), null, new OkHttpClient()));

        // a node joins, registers (as a shield: heartbeat replies name it, entries show their tiers) and heartbeats
        // over mutual TLS, renews its certificate
        HttpReply token = cp.post("/api/v1/join-tokens", ADMIN, sent("POST", "/api/v1/join-tokens",
                Json.mapper().writeValueAsString(Map.of("node", "eu-1", "names", List.of("eu-1.edges.internal"),
                        "addresses", List.of("127.0.0.1"), "ttl", "1h"))));
        check("POST", "/api/v1/join-tokens", token);
        KeyPair keys = Keys.ecP256();
        HttpReply joined = cp.post("/api/v1/join", null, sent("POST", "/api/v1/join", Json.mapper()
                .writeValueAsString(Map.of("token", token.json().get("token").asString(),
                        "csr", Csr.create(keys, List.of("eu-1.edges.internal"), List.of()).pem()))));
        check("POST", "/api/v1/join", joined);
        TlsIdentity node = new TlsIdentity(keys.getPrivate(),
                Pem.certificates(joined.json().get("certificate").asString()));
        check("POST", "/api/v1/nodes/register", nodeCall(node, "/api/v1/nodes/register",
                sent("POST", "/api/v1/nodes/register", """
                        {"id":"eu-1","kind":"edge","region":"eu","publicUrl":"http://127.0.2.1:8080",
                         "adminUrl":"http://127.0.0.1:%d","appliedSequence":0,"cacheEmpty":true,
                         "role":"shield"}"""
                        .formatted(edgeAdmin.getPort()))));
        check("POST", "/api/v1/nodes/{id}/heartbeat", nodeCall(node, "/api/v1/nodes/eu-1/heartbeat",
                sent("POST", "/api/v1/nodes/{id}/heartbeat",
                        "{\"requests\":1,\"hitRatio\":0.5,\"bytesCached\":10,\"appliedSequence\":0,\"traffic\":"
                                + "{\"epoch\":\"e-1\",\"batch\":1,\"counts\":[{\"minute\":"
                                + (Instant.now().toEpochMilli() / 60_000 * 60_000) + ",\"service\":\"www\","
                                + "\"statusClass\":\"2xx\",\"requests\":1,\"hits\":1,\"bytes\":10}]}}")));
        check("POST", "/api/v1/certificates/renew", nodeCall(node, "/api/v1/certificates/renew",
                sent("POST", "/api/v1/certificates/renew", Json.mapper().writeValueAsString(Map.of("csr",
                        Csr.create(Keys.ecP256(), List.of("eu-1.edges.internal"), List.of()).pem())))));

        // purges and pushes, accepted, shown and listed
        HttpReply purge = cp.post("/api/v1/purges", OPS, sent("POST", "/api/v1/purges",
                "{\"urls\":[\"http://www.example.com/app.js\"],\"soft\":true,\"regions\":[\"eu\"]}"));
        check("POST", "/api/v1/purges", purge);
        check("GET", "/api/v1/purges/{id}", cp.get("/api/v1/purges/" + purge.json().get("id").asString()
                + "?wait=1s", READER));
        check("GET", "/api/v1/purges", cp.get("/api/v1/purges?limit=10", READER));
        HttpReply push = cp.post("/api/v1/pushes", OPS, sent("POST", "/api/v1/pushes",
                "{\"urls\":[\"http://www.example.com/big.js\"]}"));
        check("POST", "/api/v1/pushes", push);
        check("GET", "/api/v1/pushes/{id}", cp.get("/api/v1/pushes/" + push.json().get("id").asString(), READER));
        check("GET", "/api/v1/pushes", cp.get("/api/v1/pushes", READER));
        // eu-1 refused both: dead letters, listed, one retried once the edge takes it, one discarded
        cp.get("/api/v1/pushes/" + push.json().get("id").asString() + "?wait=5s", READER);
        HttpReply deadLetters = cp.get("/api/v1/dead-letters?node=eu-1&limit=10", READER);
        check("GET", "/api/v1/dead-letters", deadLetters);
        assertThat(deadLetters.json().get("deadLetters")).hasSize(2);
        edgeTakes.set(true);
        check("POST", "/api/v1/dead-letters/{sequence}/{node}/retry", cp.post("/api/v1/dead-letters/"
                + purge.json().get("sequence").asLong() + "/eu-1/retry", OPS, ""));
        HttpReply discarded = cp.post("/api/v1/dead-letters/" + push.json().get("sequence").asLong()
                + "/eu-1/discard", OPS, "");
        check("POST", "/api/v1/dead-letters/{sequence}/{node}/discard", discarded);
        check("POST", "/api/v1/origin-events", cp.post("/api/v1/origin-events", NODE, sent("POST",
                "/api/v1/origin-events",
                "{\"event\":\"changed\",\"path\":\"/assets/app.css\",\"etag\":\"\\\"abc\\\"\"}")));

        // a write-through upload, stored by the (fake) origin
        origin.enqueue(new MockResponse.Builder().code(201).setHeader("ETag", "\"e1\"")
                .body("{\"path\":\"/css/site.css\",\"etag\":\"\\\"e1\\\"\",\"size\":6}").build());
        check("PUT", "/api/v1/assets/{path...}", cp.call(new Request.Builder()
                .url(cp.plane().apiUri() + "/api/v1/assets/css/site.css")
                .put(RequestBody.create("body{}".getBytes(UTF_8), MediaType.get("text/css"))), OPS, cp.http()));

        // delivery services: created, read, changed, listed, their history, a version, a diff, a rollback, deleted
        String site = "{\"hosts\":[\"www.example.com\"],\"origins\":[\"http://127.0.0.1:8081\"]}";
        check("PUT", "/api/v1/services/{name}", cp.put("/api/v1/services/site", CONFIG,
                sent("PUT", "/api/v1/services/{name}", site), "If-None-Match", "*"));
        check("GET", "/api/v1/services/{name}", cp.get("/api/v1/services/site", READER));
        check("PUT", "/api/v1/services/{name}", cp.put("/api/v1/services/site", CONFIG, sent("PUT",
                "/api/v1/services/{name}", site.replace("8081", "9091")), "If-Match", "\"1\""));
        check("GET", "/api/v1/services", cp.get("/api/v1/services", READER));
        check("GET", "/api/v1/services/{name}/versions", cp.get("/api/v1/services/site/versions", READER));
        check("GET", "/api/v1/services/{name}/versions/{version}", cp.get("/api/v1/services/site/versions/2?wait=5s",
                READER));
        check("GET", "/api/v1/services/{name}/diff", cp.get("/api/v1/services/site/diff?from=1&to=2", READER));
        check("POST", "/api/v1/services/{name}/rollback", cp.post("/api/v1/services/site/rollback?to=1", CONFIG,
                ""));
        check("DELETE", "/api/v1/services/{name}", cp.delete("/api/v1/services/site", CONFIG, "If-Match", "\"3\""));

        check("GET", "/api/v1/nodes", cp.get("/api/v1/nodes", READER));
        HttpReply stats = cp.get("/api/v1/stats?service=www", READER);
        check("GET", "/api/v1/stats", stats);
        assertThat(stats.json().get("requests").asLong()).as("the heartbeat's traffic").isEqualTo(1);
        check("GET", "/api/v1/route", cp.get("/api/v1/route?url=http://www.example.com/app.js&client=127.0.1.9",
                READER));
        HttpReply state = cp.get("/api/v1/steering/state", STEERING);
        check("GET", "/api/v1/steering/state", state);
        check("GET", "/api/v1/steering/state", cp.call(new Request.Builder()
                .url(cp.plane().apiUri() + "/api/v1/steering/state?wait=100ms")
                .header("If-None-Match", state.header("ETag")), STEERING, cp.http()));
        check("DELETE", "/api/v1/nodes/{id}", cp.delete("/api/v1/nodes/eu-1", ADMIN));

        assertThat(breaches).isEmpty();
        assertThat(contract.uncalled()).as("documented operations no test call answered with a success").isEmpty();
    }

    @Test
    void refusalsAnswerWithADocumentedStatusAndTheErrorBody() {
        check("GET", "/api/v1/purges", cp.get("/api/v1/purges", null));
        check("POST", "/api/v1/purges", cp.post("/api/v1/purges", READER, "{\"urls\":[\"http://www.example.com/\"]}"));
        check("POST", "/api/v1/purges", cp.post("/api/v1/purges", OPS, "{\"urls\":\"not a list\"}"));
        check("POST", "/api/v1/pushes", cp.call(new Request.Builder().url(cp.plane().apiUri() + "/api/v1/pushes")
                .post(RequestBody.create("urls=x", MediaType.get("text/plain"))), OPS, cp.http()));
        check("GET", "/api/v1/purges/{id}", cp.get("/api/v1/purges/p-999", READER));
        check("GET", "/api/v1/purges/{id}", cp.get("/api/v1/purges/p-1?wait=forever", READER));
        check("DELETE", "/api/v1/nodes/{id}", cp.delete("/api/v1/nodes/nobody", ADMIN));
        check("POST", "/api/v1/nodes/register", cp.post("/api/v1/nodes/register", NODE, "{}"));
        check("POST", "/api/v1/join", cp.post("/api/v1/join", null,
                "{\"token\":\"oj_not-a-token-anyone-made\",\"csr\":\"\"}"));
        check("GET", "/api/v1/route", cp.get("/api/v1/route", READER));
        check("GET", "/api/v1/steering/state", cp.get("/api/v1/steering/state", READER));
        check("GET", "/api/v1/steering/state", cp.get("/api/v1/steering/state?wait=forever", STEERING));
        check("GET", "/api/v1/dead-letters", cp.get("/api/v1/dead-letters?after=nonsense", READER));
        check("GET", "/api/v1/stats", cp.get("/api/v1/stats?from=never", READER));
        check("POST", "/api/v1/dead-letters/{sequence}/{node}/retry", cp.post("/api/v1/dead-letters/9/eu-1/retry",
                OPS, ""));
        check("POST", "/api/v1/dead-letters/{sequence}/{node}/discard", cp.post(
                "/api/v1/dead-letters/9/eu-1/discard", READER, ""));
        check("GET", "/dashboard/{asset}", cp.get("/dashboard/secrets.yml", null));
        String site = "{\"hosts\":[\"www.example.com\"],\"origins\":[\"http://127.0.0.1:8081\"]}";
        check("PUT", "/api/v1/services/{name}", cp.put("/api/v1/services/site", READER, site));
        check("PUT", "/api/v1/services/{name}", cp.put("/api/v1/services/site", CONFIG, "{\"origins\":[]}"));
        check("PUT", "/api/v1/services/{name}", cp.put("/api/v1/services/site", CONFIG, "{\"name\":\"blog\"}"));
        cp.put("/api/v1/services/site", CONFIG, site);
        check("PUT", "/api/v1/services/{name}", cp.put("/api/v1/services/site", CONFIG, site.replace("8081", "1")));
        check("PUT", "/api/v1/services/{name}", cp.put("/api/v1/services/site", CONFIG, site.replace("8081", "1"),
                "If-Match", "\"7\""));
        check("DELETE", "/api/v1/services/{name}", cp.delete("/api/v1/services/blog", CONFIG));
        check("GET", "/api/v1/services/{name}", cp.get("/api/v1/services/blog", READER));
        check("GET", "/api/v1/services/{name}/versions/{version}", cp.get("/api/v1/services/site/versions/x",
                READER));
        check("GET", "/api/v1/services/{name}/diff", cp.get("/api/v1/services/site/diff", READER));
        check("POST", "/api/v1/services/{name}/rollback", cp.post("/api/v1/services/site/rollback?to=9", CONFIG, ""));
        check("GET", "/api/v1/services", cp.get("/api/v1/services", null));

        assertThat(breaches).isEmpty();
        assertThat(contract.uncalled()).as("refusals mark nothing as called").isEqualTo(contract.operations());
    }

    /** A working request body, checked against the documented request schema on its way. */
    private String sent(String method, String template, String json) {
        breaches.addAll(contract.checkRequest(method, template, json));
        return json;
    }

    private void check(String method, String template, HttpReply reply) {
        breaches.addAll(contract.check(method, template, reply));
    }

    private HttpReply nodeCall(TlsIdentity identity, String path, String json) {
        TlsContexts.Client tls = TlsContexts.client(ca, Optional.of(identity));
        OkHttpClient client = new OkHttpClient.Builder()
                .sslSocketFactory(tls.context().getSocketFactory(), tls.trustManager())
                .retryOnConnectionFailure(false).callTimeout(Duration.ofSeconds(10)).build();
        try {
            return cp.call(new Request.Builder().url(cp.plane().nodeUri().orElseThrow() + path)
                    .post(RequestBody.create(json, MediaType.get("application/json"))), NODE, client);
        } finally {
            client.connectionPool().evictAll();
        }
    }
}
