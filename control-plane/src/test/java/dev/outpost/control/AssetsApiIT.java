package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.NODE;
import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.testkit.HttpReply;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Write-through uploads: origin first, then purge and preload on the edges; the origin's own notice is not a re-purge. */
class AssetsApiIT {
    private static final String ETAG = "\"fJgEClQWV1hGkK4qHMO0KotTsVnMYMXTq7_suurGyUo\"";

    @TempDir
    Path data;
    private final MockWebServer origin = new MockWebServer();
    private ControlPlaneFixture cp;

    @BeforeEach
    void start() throws Exception {
        origin.start(InetAddress.getLoopbackAddress(), 0);
        cp = new ControlPlaneFixture(data, """
                origins:
                  - id: primary
                    hosts: [www.example.com, static.example.com]
                    url: http://127.0.0.1:%d
                    token: origin-api-token
                    maxUploadBytes: 1024
                """.formatted(origin.getPort()));
    }

    @AfterEach
    void stop() {
        cp.close();
        origin.close();
    }

    private HttpReply upload(String path, String content) {
        return cp.call(new Request.Builder().url(cp.plane().apiUri() + "/api/v1/assets" + path)
                .put(RequestBody.create(content.getBytes(UTF_8), MediaType.get("text/css")))
                .header("Repr-Digest", "sha-256=:abc=:"), OPS, cp.http());
    }

    private static MockResponse stored(String path) {
        return new MockResponse.Builder().code(201).setHeader("ETag", ETAG).body("{\"path\":\"" + path
                + "\",\"etag\":" + "\"\\\"fJgEClQWV1hGkK4qHMO0KotTsVnMYMXTq7_suurGyUo\\\"\",\"size\":6}").build();
    }

    @Test
    void uploadIsWrittenToTheOriginThenPurgedAndPreloadedOnTheEdgesInThatOrder() throws Exception {
        FakeEdge eu = cp.edge("eu-1", "eu");
        FakeEdge us = cp.edge("us-1", "us");
        origin.enqueue(stored("/css/site.css"));

        HttpReply reply = upload("/css/site.css", "body{}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        JsonNode json = reply.json();
        assertThat(json.get("etag").asString()).isEqualTo(ETAG);
        assertThat(json.get("purge").get("id").asString()).isEqualTo("p-1");
        assertThat(json.get("push").get("id").asString()).isEqualTo("push-2");
        RecordedRequest put = origin.takeRequest(5, TimeUnit.SECONDS);
        assertThat(put.getMethod()).isEqualTo("PUT");
        assertThat(put.getTarget()).isEqualTo("/_origin/assets/css/site.css");
        assertThat(put.getHeaders().get("Authorization")).isEqualTo("Bearer origin-api-token");
        assertThat(put.getHeaders().get("Repr-Digest")).isEqualTo("sha-256=:abc=:");
        assertThat(put.getHeaders().get("Content-Type")).startsWith("text/css");
        assertThat(put.getBody().utf8()).isEqualTo("body{}");

        assertThat(cp.get("/api/v1/pushes/push-2?wait=10s", READER).json().get("status").asString())
                .isEqualTo("complete");
        for (FakeEdge edge : java.util.List.of(eu, us)) {
            assertThat(edge.received()).extracting(InvalidationEntry::kind)
                    .containsExactly(InvalidationEntry.Kind.PURGE, InvalidationEntry.Kind.PUSH);
            assertThat(edge.received().get(1).urls()).containsExactly("http://www.example.com/css/site.css",
                    "http://static.example.com/css/site.css");
        }
    }

    @Test
    void theOriginsNoticeForThatWriteDoesNotPurgeThePreloadedCopyButALaterChangeDoes() throws Exception {
        origin.enqueue(stored("/css/site.css"));
        assertThat(upload("/css/site.css", "body{}").status()).isEqualTo(201);

        HttpReply same = cp.post("/api/v1/origin-events", NODE, "{\"event\":\"changed\",\"path\":\"/css/site.css\","
                + "\"etag\":\"\\\"fJgEClQWV1hGkK4qHMO0KotTsVnMYMXTq7_suurGyUo\\\"\"}");
        assertThat(same.status()).isEqualTo(202);
        assertThat(same.json().get("id").asString()).as("the write-through's own purge").isEqualTo("p-1");
        assertThat(cp.plane().log().lastSequence()).isEqualTo(2);

        HttpReply changed = cp.post("/api/v1/origin-events", NODE, "{\"event\":\"changed\",\"path\":\"/css/site.css\","
                + "\"etag\":\"\\\"other\\\"\"}");
        assertThat(changed.json().get("id").asString()).isEqualTo("p-3");
    }

    @Test
    void theOriginsNoticeSentBeforeItAnswersTheUploadIsStillTheUploadsOwnPurgeAndThePushComesLast()
            throws Exception {
        FakeEdge eu = cp.edge("eu-1", "eu");
        // As the real origin does: the file is in place, the notice goes out, and only then the PUT is answered.
        origin.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                HttpReply notice = cp.post("/api/v1/origin-events", NODE, "{\"event\":\"changed\",\"path\":"
                        + "\"/css/site.css\",\"etag\":\"\\\"fJgEClQWV1hGkK4qHMO0KotTsVnMYMXTq7_suurGyUo\\\"\"}");
                assertThat(notice.status()).as(notice.body()).isEqualTo(202);
                return stored("/css/site.css");
            }
        });

        HttpReply reply = upload("/css/site.css", "body{}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        assertThat(reply.json().get("purge").get("id").asString()).as("the notice's purge, taken as the upload's")
                .isEqualTo("p-1");
        assertThat(reply.json().get("push").get("id").asString()).isEqualTo("push-2");
        assertThat(cp.get("/api/v1/pushes/push-2?wait=10s", READER).json().get("status").asString())
                .isEqualTo("complete");
        assertThat(cp.plane().log().lastSequence()).as("one purge and one push, nothing after the push")
                .isEqualTo(2);
        assertThat(eu.received()).extracting(InvalidationEntry::kind)
                .containsExactly(InvalidationEntry.Kind.PURGE, InvalidationEntry.Kind.PUSH);
    }

    @Test
    void originRefusalsKeepTheirCodeAndNothingIsPurged() {
        origin.enqueue(new MockResponse.Builder().code(400)
                .body("{\"error\":\"hidden_path\",\"message\":\"dotfiles are never assets\"}").build());
        HttpReply refused = upload("/.env", "x");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.error()).isEqualTo("hidden_path");
        assertThat(refused.message()).startsWith("origin: ");

        origin.enqueue(new MockResponse.Builder().code(507).body("{\"error\":\"insufficient_storage\","
                + "\"message\":\"the origin's data directory has no room for /a.css: 10 bytes are free\"}").build());
        HttpReply full = upload("/a.css", "x");
        assertThat(full.status()).as("the origin's full disk is relayed, not a 502").isEqualTo(507);
        assertThat(full.error()).isEqualTo("insufficient_storage");
        assertThat(full.message()).startsWith("origin: ").contains("10 bytes are free");

        origin.enqueue(new MockResponse.Builder().code(503).body("{\"error\":\"storage_read_only\","
                + "\"message\":\"the origin's storage for /a.css is read-only (Read-only file system)\"}").build());
        HttpReply readOnly = upload("/a.css", "x");
        assertThat(readOnly.status()).as("the origin's read-only disk is relayed, not a 502").isEqualTo(503);
        assertThat(readOnly.error()).isEqualTo("storage_read_only");
        assertThat(readOnly.message()).startsWith("origin: ").contains("Read-only file system");

        origin.enqueue(new MockResponse.Builder().code(503).body("{}").build());
        HttpReply failed = upload("/a.css", "x");
        assertThat(failed.status()).isEqualTo(502);
        assertThat(failed.error()).isEqualTo("origin_failed");
        assertThat(cp.plane().log().lastSequence()).isZero();
    }

    @Test
    void uploadsOverTheLimitAreRefusedBeforeTheOriginIsAsked() {
        HttpReply tooLarge = upload("/big.css", "x".repeat(2000));
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.error()).isEqualTo("body_too_large");
        assertThat(origin.getRequestCount()).isZero();
        assertThat(cp.call(new Request.Builder().url(cp.plane().apiUri() + "/api/v1/assets/a.css")
                .put(RequestBody.create(new byte[1], null)), READER, cp.http()).error()).isEqualTo("forbidden");
    }
}
