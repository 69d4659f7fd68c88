package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.NODE;
import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad tokens, wrong scopes, bad bodies and rate limits get the documented JSON errors. */
class ApiErrorsIT {
    private static final String ONE_URL = "{\"urls\":[\"http://www.example.com/a\"]}";

    @TempDir
    Path data;
    private ControlPlaneFixture cp;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(data, "rateLimits: {purgesPerMinute: 2, pushesPerMinute: 1}\n");
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    private static void assertError(HttpReply reply, int status, String code, String messagePart) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).isEqualTo("application/json");
        assertThat(reply.error()).isEqualTo(code);
        assertThat(reply.message()).contains(messagePart);
    }

    @Test
    void missingMalformedOrUnknownTokenIs401WithAChallenge() {
        HttpReply missing = cp.post("/api/v1/purges", null, ONE_URL);
        assertError(missing, 401, "unauthorized", "missing Authorization");
        assertThat(missing.header("WWW-Authenticate")).startsWith("Bearer");

        HttpReply basic = cp.call(new Request.Builder().url(cp.plane().apiUri() + "/api/v1/nodes")
                .header("Authorization", "Basic dXNlcjpwdw=="), null, cp.http());
        assertError(basic, 401, "unauthorized", "Bearer <token>");
        assertError(cp.get("/api/v1/nodes", "not-a-configured-token"), 401, "unauthorized", "unknown token");
        assertThat(cp.plane().log().lastSequence()).isZero();
    }

    @Test
    void tokenWithoutTheScopeIs403NamingTheScope() {
        assertError(cp.post("/api/v1/purges", READER, ONE_URL), 403, "forbidden", "lacks scope purge");
        assertError(cp.post("/api/v1/pushes", READER, ONE_URL), 403, "forbidden", "lacks scope push");
        assertError(cp.get("/api/v1/nodes", NODE), 403, "forbidden", "lacks scope read");
        assertError(cp.post("/api/v1/nodes/register", OPS, "{}"), 403, "forbidden", "lacks scope node");
        assertThat(cp.plane().log().lastSequence()).isZero();
    }

    @Test
    void badPurgeBodiesAre400NamingTheField() {
        assertError(cp.post("/api/v1/purges", OPS, "{}"), 400, "empty_purge", "urls, prefixes, tags or hosts");
        assertError(cp.post("/api/v1/purges", OPS, "{\"urls\":[]}"), 400, "empty_purge", "all: true");
        assertError(cp.post("/api/v1/purges", OPS, "{\"urls\":[\"http://www.example.com/a\",\"/relative\"]}"),
                400, "bad_url", "urls[1]: '/relative'");
        assertError(cp.post("/api/v1/purges", OPS, "{\"prefixes\":[\"ftp://x/\"]}"), 400, "bad_url", "prefixes[0]");
        assertError(cp.post("/api/v1/purges", OPS, "{\"hosts\":[\"bad host\"]}"), 400, "bad_host", "hosts[0]");
        assertError(cp.post("/api/v1/purges", OPS, "{\"tags\":[\"\"]}"), 400, "bad_tag", "tags[0]");
        assertError(cp.post("/api/v1/purges", OPS, "{\"all\":true,\"regions\":[\"eu\",\"mars\"]}"), 400,
                "unknown_region", "regions[1]: 'mars'");
        assertError(cp.post("/api/v1/purges", OPS, "{\"urls\":[\"http://a/1\",\"http://a/2\",\"http://a/3\"],"
                + "\"tags\":[\"x\",\"y\",\"z\"]}"), 400, "too_many_urls", "at most 5 per call");
        assertError(cp.post("/api/v1/purges", OPS, "{\"url\":[\"http://a/1\"]}"), 400, "bad_json", "url");
        assertError(cp.post("/api/v1/purges", OPS, "{\"urls\":"), 400, "bad_json", "not valid");
        assertError(cp.post("/api/v1/purges", OPS, "[]"), 400, "bad_json", "not valid");
        assertError(cp.post("/api/v1/pushes", OPS, "{\"regions\":[\"eu\"]}"), 400, "empty_push", "urls");
        assertThat(cp.plane().log().lastSequence()).as("nothing was logged").isZero();
    }

    @Test
    void badRegistrationsHeartbeatsAndLookupsGetTheirErrors() {
        assertError(cp.post("/api/v1/nodes/register", NODE, "{\"id\":\"x y\",\"kind\":\"edge\",\"region\":\"eu\","
                + "\"publicUrl\":\"http://127.0.2.1:8080\"}"), 400, "bad_node", "id must be");
        assertError(cp.post("/api/v1/nodes/register", NODE, "{\"id\":\"eu-9\",\"kind\":\"edge\","
                + "\"region\":\"mars\",\"publicUrl\":\"http://127.0.2.1:8080\"}"), 400, "unknown_region", "region");
        assertError(cp.post("/api/v1/nodes/register", NODE, "{\"id\":\"eu-9\",\"kind\":\"edge\","
                + "\"region\":\"eu\",\"publicUrl\":\"/nowhere\"}"), 400, "bad_url", "publicUrl");
        assertError(cp.post("/api/v1/nodes/register", NODE, "{\"id\":\"eu-9\",\"kind\":\"cache\","
                + "\"region\":\"eu\",\"publicUrl\":\"http://127.0.2.1:8080\"}"), 400, "bad_json", "not valid");
        assertError(cp.post("/api/v1/nodes/ghost/heartbeat", NODE, "{\"requests\":0,\"hitRatio\":0,"
                + "\"bytesCached\":0,\"appliedSequence\":0}"), 404, "unknown_node", "register again");
        assertError(cp.post("/api/v1/nodes/ghost/heartbeat", NODE, "{\"hitRatio\":2}"), 400, "bad_json",
                "hitRatio");
        assertError(cp.get("/api/v1/purges/p-999", READER), 404, "not_found", "p-999");
        assertError(cp.get("/api/v1/purges/banana", READER), 404, "not_found", "banana");
        assertError(cp.get("/api/v1/purges/p-1?wait=forever", READER), 404, "not_found", "p-1");
        cp.post("/api/v1/purges", OPS, ONE_URL);
        assertError(cp.get("/api/v1/purges/p-1?wait=forever", READER), 400, "bad_wait", "5s");
        assertError(cp.get("/api/v1/purges/p-1?wait=600s", READER), 400, "bad_wait", "at most 60s");
        assertError(cp.get("/api/v1/nothing", READER), 404, "not_found", "no such endpoint");
        assertError(cp.call(new Request.Builder().url(cp.plane().apiUri() + "/api/v1/nodes")
                .delete(), READER, cp.http()), 405, "method_not_allowed", "GET");
        assertThat(cp.post("/api/v1/nodes", READER, "{}").header("Allow")).isEqualTo("GET");
    }

    @Test
    void purgesOverTheTokensBudgetAre429WithRetryAfterUntilTheBucketRefills() {
        assertThat(cp.post("/api/v1/purges", OPS, ONE_URL).status()).isEqualTo(202);
        assertThat(cp.post("/api/v1/purges", OPS, ONE_URL).status()).isEqualTo(202);
        HttpReply limited = cp.post("/api/v1/purges", OPS, ONE_URL);
        assertError(limited, 429, "rate_limited", "2 times per minute");
        assertThat(limited.header("Retry-After")).isEqualTo("30");
        assertThat(cp.plane().log().lastSequence()).as("the limited purge was not logged").isEqualTo(2);

        // pushes have their own budget
        assertThat(cp.post("/api/v1/pushes", OPS, ONE_URL).status()).isEqualTo(202);
        assertThat(cp.post("/api/v1/pushes", OPS, ONE_URL).status()).isEqualTo(429);

        cp.clock.advance(Duration.ofSeconds(30));
        assertThat(cp.post("/api/v1/purges", OPS, ONE_URL).status()).isEqualTo(202);
        assertThat(cp.post("/api/v1/purges", OPS, ONE_URL).status()).isEqualTo(429);
    }
}
