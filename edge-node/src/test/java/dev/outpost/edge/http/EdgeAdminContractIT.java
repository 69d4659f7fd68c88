package dev.outpost.edge.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.json.Json;
import dev.outpost.common.tls.Pem;
import dev.outpost.common.tls.TlsIdentity;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.FakeControlPlane;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.edge.config.EdgeTls;
import dev.outpost.edge.tls.TestPki;
import dev.outpost.testkit.ApiContract;
import dev.outpost.testkit.HttpReply;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge admin API's OpenAPI document ({@code openapi/edge-admin.json}, served at {@code /_edge/openapi.json}) is
 * true: the admin table serves exactly the documented routes, every documented operation answers a real call with a
 * documented status and a body that validates against its schema, and refusals carry the documented error body. An
 * edge with a {@code tls} directory, so the certificate uploads are real too.
 */
class EdgeAdminContractIT {
    private static final String DOCUMENT = "openapi/edge-admin.json";
    private static final MediaType JSON = MediaType.get("application/json");

    @TempDir
    Path dir;
    private final ApiContract contract = ApiContract.of(DOCUMENT);
    private final List<String> breaches = new ArrayList<>();
    private TestPki customerCa;
    private EdgeFixture f;
    private FakeControlPlane controlPlane;

    @BeforeEach
    void start() throws Exception {
        TestPki nodeCa = new TestPki(dir.resolve("node-ca"), "Outpost CA");
        customerCa = new TestPki(dir.resolve("customer-ca"), "Customer CA");
        Path tlsDir = nodeCa.provision(dir.resolve("edge-tls"), nodeCa.identity(List.of("edge.internal"),
                List.of(TestPki.loopback())));
        // not answering yet: the edge stays unregistered until a test lets it register
        controlPlane = new FakeControlPlane();
        controlPlane.down();
        f = new EdgeFixture((EdgeConfig c) -> c.withTls(EdgeTls.in(tlsDir.toString()).withListen("127.0.0.1:0"))
                .withControlPlane(controlPlane.link()));
    }

    @AfterEach
    void stop() {
        f.close();
        controlPlane.close();
    }

    @Test
    void theDocumentKeepsTheHouseRules() {
        assertThat(contract.ruleBreaches()).isEmpty();
    }

    @Test
    void everyRouteTheAdminListenerServesIsDocumentedAndEveryDocumentedRouteIsServed() {
        List<String> served = f.edge.adminEndpoints().stream().map(Object::toString).toList();
        assertThat(contract.drift(served)).as("drift between the admin route table and " + DOCUMENT).isEmpty();
    }

    @Test
    void theDocumentIsServedToTheTokenHolderAsTheJarHoldsIt() throws Exception {
        byte[] resource;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(DOCUMENT)) {
            resource = in.readAllBytes();
        }
        assertThat(call("GET", "/_edge/openapi.json", null, null).status()).isEqualTo(401);
        assertThat(call("GET", "/_edge/openapi.json", EdgeFixture.ADMIN_TOKEN, null).body())
                .isEqualTo(new String(resource, UTF_8));
    }

    @Test
    void everyDocumentedOperationAnswersAsDocumented() throws Exception {
        String token = EdgeFixture.ADMIN_TOKEN;
        check("GET", "/_edge/health", call("GET", "/_edge/health", null, null));
        check("HEAD", "/_edge/health", call("HEAD", "/_edge/health", null, null));
        check("GET", "/_edge/metrics", call("GET", "/_edge/metrics", null, null));
        check("HEAD", "/_edge/metrics", call("HEAD", "/_edge/metrics", null, null));
        check("GET", "/_edge/openapi.json", call("GET", "/_edge/openapi.json", token, null));
        check("GET", "/_edge/origins", call("GET", "/_edge/origins", token, null));

        check("POST", "/_edge/purge", call("POST", "/_edge/purge", token, json(sent("POST", "/_edge/purge",
                "{\"urls\":[\"http://" + EdgeFixture.HOST + "/a.js\"],\"soft\":true}"))));
        f.enqueue(f.ok("prefetched", "max-age=60"));
        check("POST", "/_edge/prefetch", call("POST", "/_edge/prefetch", token, json(sent("POST", "/_edge/prefetch",
                "{\"urls\":[\"http://" + EdgeFixture.HOST + "/p.js\"]}"))));

        check("PUT", "/_edge/objects", send(new Request.Builder()
                .url(f.admin() + "/_edge/objects?url=http://" + EdgeFixture.HOST + "/o.js")
                .header("Cache-Control", "max-age=60")
                .put(RequestBody.create("pushed".getBytes(UTF_8), MediaType.get("text/javascript"))), token));

        TlsIdentity site = customerCa.identity(List.of(EdgeFixture.HOST), List.of());
        check("PUT", "/_edge/certificates/{host...}", call("PUT", "/_edge/certificates/" + EdgeFixture.HOST, token,
                json(sent("PUT", "/_edge/certificates/{host...}", Json.mapper().writeValueAsString(Map.of(
                        "certificate", Pem.encode(site.chain()), "key", Pem.encode(site.key())))))));
        check("GET", "/_edge/certificates", call("GET", "/_edge/certificates", token, null));
        check("DELETE", "/_edge/certificates/{host...}", call("DELETE", "/_edge/certificates/" + EdgeFixture.HOST,
                token, null));

        // a config entry applies once the edge registered (its catch-up gate knows where it stands)
        controlPlane.up();
        await().atMost(Duration.ofSeconds(10)).until(() -> f.edge.controlPlaneLink().orElseThrow().registered());
        check("POST", "/_edge/config", send(new Request.Builder().url(f.admin() + "/_edge/config")
                .header("X-Outpost-Sequence", "1").post(json(sent("POST", "/_edge/config",
                        "{\"service\":\"news\",\"version\":1,\"definition\":{\"name\":\"news\","
                                + "\"hosts\":[\"news.test\"],\"origins\":[\"http://127.0.0.1:9\"]}}"))), token));

        assertThat(breaches).isEmpty();
        assertThat(contract.uncalled()).as("documented operations no test call answered with a success").isEmpty();
    }

    @Test
    void refusalsAnswerWithADocumentedStatusAndTheErrorBody() {
        String token = EdgeFixture.ADMIN_TOKEN;
        check("POST", "/_edge/purge", call("POST", "/_edge/purge", null, json("{}")));
        check("POST", "/_edge/purge", call("POST", "/_edge/purge", token, json("{\"urls\":\"not a list\"}")));
        check("POST", "/_edge/config", call("POST", "/_edge/config", token,
                json("{\"service\":\"news\",\"version\":1}")));
        check("POST", "/_edge/config", send(new Request.Builder().url(f.admin() + "/_edge/config")
                .header("X-Outpost-Sequence", "1").post(json("{\"service\":\"news\",\"version\":1}")), token));
        check("POST", "/_edge/purge", send(new Request.Builder().url(f.admin() + "/_edge/purge")
                .header("X-Outpost-Sequence", "1").post(json("{\"urls\":[\"http://" + EdgeFixture.HOST
                        + "/a.js\"]}")), token));
        check("PUT", "/_edge/objects", send(new Request.Builder()
                .url(f.admin() + "/_edge/objects?url=http://elsewhere.test/o.js")
                .put(RequestBody.create("x".getBytes(UTF_8), MediaType.get("text/plain"))), token));
        check("PUT", "/_edge/objects", send(new Request.Builder()
                .url(f.admin() + "/_edge/objects?url=http://" + EdgeFixture.HOST + "/private.js")
                .header("Cache-Control", "no-store")
                .put(RequestBody.create("x".getBytes(UTF_8), MediaType.get("text/plain"))), token));
        check("DELETE", "/_edge/certificates/{host...}", call("DELETE", "/_edge/certificates/nobody.test", token,
                null));
        check("PUT", "/_edge/certificates/{host...}", call("PUT", "/_edge/certificates/" + EdgeFixture.HOST, token,
                json("{\"certificate\":\"not a certificate\",\"key\":\"\"}")));

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

    private HttpReply send(Request.Builder request, String token) {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpReply.call(f.client, request.build());
    }

    private HttpReply call(String method, String path, String token, RequestBody body) {
        return send(new Request.Builder().url(f.admin() + path).method(method, body), token);
    }

    private static RequestBody json(String json) {
        return RequestBody.create(json.getBytes(UTF_8), JSON);
    }
}
