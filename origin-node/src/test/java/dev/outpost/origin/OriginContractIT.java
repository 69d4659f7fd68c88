package dev.outpost.origin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.testkit.ApiContract;
import dev.outpost.testkit.HttpReply;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * The origin's OpenAPI document ({@code openapi/origin.json}, served at {@code /_origin/openapi.json}) is true: the
 * origin's route table serves exactly the documented API routes (content aside), every documented operation answers
 * a real call with a documented status and a body that validates against its schema, and refusals carry the
 * documented error body. A primary and a replica of it, so the replication calls (promotion included) are real too.
 */
class OriginContractIT {
    private static final String DOCUMENT = "openapi/origin.json";
    private static final String TOKEN = "contract-token-0123456789";

    @TempDir
    Path dir;
    private final ApiContract contract = ApiContract.of(DOCUMENT);
    private final List<String> breaches = new ArrayList<>();
    private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30))
            .retryOnConnectionFailure(false).build();
    private OriginNode primary;

    @BeforeEach
    void start() {
        primary = OriginNode.start(config("primary"));
    }

    @AfterEach
    void stop() {
        primary.close();
        http.connectionPool().evictAll();
    }

    @Test
    void theDocumentKeepsTheHouseRules() {
        assertThat(contract.ruleBreaches()).isEmpty();
    }

    @Test
    void everyApiRouteOfThePortIsDocumentedAndEveryDocumentedRouteIsServed() {
        List<String> served = primary.endpoints().stream().map(Object::toString).toList();
        assertThat(contract.drift(served)).as("drift between the origin's route table and " + DOCUMENT).isEmpty();
    }

    @Test
    void theDocumentIsServedWithoutATokenAsTheJarHoldsIt() throws IOException {
        byte[] resource;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(DOCUMENT)) {
            resource = in.readAllBytes();
        }
        HttpReply served = call(primary, "GET", "/_origin/openapi.json", null, null);
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.body()).isEqualTo(new String(resource, UTF_8));
    }

    @Test
    void everyDocumentedOperationAnswersAsDocumented() {
        for (String method : List.of("GET", "HEAD")) {
            check(method, "/_origin/health", call(primary, method, "/_origin/health", null, null));
            check(method, "/_origin/metrics", call(primary, method, "/_origin/metrics", null, null));
        }
        check("GET", "/_origin/openapi.json", call(primary, "GET", "/_origin/openapi.json", null, null));

        check("PUT", "/_origin/assets/{path...}", call(primary, "PUT", "/_origin/assets/css/site.css", TOKEN,
                RequestBody.create("body{}".getBytes(UTF_8), MediaType.get("text/css"))));
        check("PUT", "/_origin/assets/{path...}", call(primary, "PUT", "/_origin/assets/css/site.css", TOKEN,
                RequestBody.create("body{color:red}".getBytes(UTF_8), MediaType.get("text/css"))));
        for (String method : List.of("GET", "HEAD")) {
            check(method, "/_origin/assets", call(primary, method, "/_origin/assets?prefix=/css&limit=10", TOKEN,
                    null));
            check(method, "/_origin/assets/{path...}", call(primary, method, "/_origin/assets/css/site.css", TOKEN,
                    null));
        }
        check("DELETE", "/_origin/assets/{path...}", call(primary, "DELETE", "/_origin/assets/css/site.css", TOKEN,
                null));

        HttpReply status = call(primary, "GET", "/_origin/replication", TOKEN, null);
        check("GET", "/_origin/replication", status);
        check("GET", "/_origin/replication/", call(primary, "GET", "/_origin/replication/", TOKEN, null));
        JsonNode position = status.json();
        check("GET", "/_origin/replication/changes", call(primary, "GET", "/_origin/replication/changes?log="
                + position.get("log").asString() + "&epoch=" + position.get("epoch").asLong() + "&after=0"
                + "&replica=contract", TOKEN, null));

        try (OriginNode replica = OriginNode.start(config("replica").withReplication(
                OriginConfig.Replication.replicaOf(primary.baseUri(), Optional.of("replica"))))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> replica.replication().following()
                    .map(f -> f.state().equals("streaming")).orElse(false));
            check("GET", "/_origin/replication", call(replica, "GET", "/_origin/replication", TOKEN, null));
            check("POST", "/_origin/replication/promote", call(replica, "POST", "/_origin/replication/promote",
                    TOKEN, RequestBody.create(new byte[0])));
        }

        assertThat(breaches).isEmpty();
        assertThat(contract.uncalled()).as("documented operations no test call answered with a success").isEmpty();
    }

    @Test
    void refusalsAnswerWithADocumentedStatusAndTheErrorBody() {
        check("GET", "/_origin/assets", call(primary, "GET", "/_origin/assets", null, null));
        check("GET", "/_origin/assets", call(primary, "GET", "/_origin/assets", "wrong-token", null));
        check("GET", "/_origin/assets/{path...}", call(primary, "GET", "/_origin/assets/missing.css", TOKEN, null));
        check("DELETE", "/_origin/assets/{path...}", call(primary, "DELETE", "/_origin/assets/missing.css", TOKEN,
                null));
        check("PUT", "/_origin/assets/{path...}", call(primary, "PUT", "/_origin/assets/.hidden", TOKEN,
                RequestBody.create("x".getBytes(UTF_8), MediaType.get("text/plain"))));
        check("GET", "/_origin/replication/changes", call(primary, "GET", "/_origin/replication/changes", TOKEN,
                null));
        check("POST", "/_origin/replication/promote", call(primary, "POST", "/_origin/replication/promote", TOKEN,
                RequestBody.create(new byte[0])));

        assertThat(breaches).isEmpty();
        assertThat(contract.uncalled()).as("refusals mark nothing as called").isEqualTo(contract.operations());
    }

    private OriginConfig config(String name) {
        try {
            Path data = Files.createDirectories(dir.resolve(name));
            return OriginConfig.of(data.toString()).withListen("127.0.0.1:0").withApiToken(TOKEN);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void check(String method, String template, HttpReply reply) {
        breaches.addAll(contract.check(method, template, reply));
    }

    private HttpReply call(OriginNode node, String method, String path, String token, RequestBody body) {
        Request.Builder request = new Request.Builder().url(node.baseUri() + path).method(method, body);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpReply.call(http, request.build());
    }
}
