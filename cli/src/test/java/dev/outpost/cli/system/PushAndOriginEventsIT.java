package dev.outpost.cli.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Push preloads edges in scope; an origin change announced to the control plane purges the URL everywhere. */
class PushAndOriginEventsIT {
    @TempDir
    Path dir;
    private Cdn cdn;

    @BeforeEach
    void start() throws Exception {
        cdn = new Cdn(dir);
    }

    @AfterEach
    void stop() {
        cdn.close();
    }

    @Test
    void pushPreloadsAUrlSoTheFirstRequestOnEveryEdgeInScopeIsAHit() {
        String id = cdn.submit("/api/v1/pushes",
                "{\"urls\":[\"http://" + Cdn.HOST + "/big.js\"],\"regions\":[\"eu\",\"ap\"]}");
        JsonNode status = cdn.awaitStatus(id);
        assertThat(status.get("status").asString()).as(status.toString()).isEqualTo("complete");
        assertThat(status.get("edgesTotal").asInt()).isEqualTo(4);
        for (String edge : List.of("eu-1", "eu-2", "ap-1", "ap-2")) {
            Cdn.Answer first = cdn.get(edge, "/big.js");
            assertThat(first.xCache()).as(edge).isEqualTo("HIT");
            assertThat(first.body()).isEqualTo("content of /big.js");
        }
        assertThat(cdn.get("us-1", "/big.js").xCache()).as("out of scope").isEqualTo("MISS");
    }

    @Test
    void anOriginUploadPurgesThatUrlOnEveryEdge() {
        cdn.warm("/app.js");
        cdn.warm("/doc.html");
        HttpReply put = cdn.putAsset("/app.js", "new app.js");
        assertThat(put.status()).as(put.body()).isIn(200, 201);

        AtomicReference<String> purge = new AtomicReference<>();
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            JsonNode latest = cdn.api("GET", "/api/v1/purges?limit=1", null).json().get("purges").get(0);
            assertThat(latest).isNotNull();
            assertThat(latest.get("urls").toString()).contains("http://" + Cdn.HOST + "/app.js");
            purge.set(latest.get("id").asString());
        });
        JsonNode status = cdn.awaitStatus(purge.get());
        assertThat(status.get("status").asString()).isEqualTo("complete");
        assertThat(status.get("edgesApplied").asInt()).isEqualTo(6);
        for (String edge : Cdn.EDGES) {
            Cdn.Answer next = cdn.get(edge, "/app.js");
            assertThat(next.xCache()).as(edge).isEqualTo("MISS");
            assertThat(next.body()).isEqualTo("new app.js");
            assertThat(cdn.get(edge, "/doc.html").xCache()).isEqualTo("HIT");
        }
    }

    @Test
    void aWriteThroughUploadLeavesEveryRegionsFirstRequestAHitAndTheOriginsNoticeDoesNotPurgeIt() {
        cdn.warm("/app.js");
        HttpReply upload = cdn.api("PUT", "/api/v1/assets/app.js", "written through");
        assertThat(upload.status()).as(upload.body()).isIn(200, 201);
        String push = upload.json().get("push").get("id").asString();
        long pushSequence = upload.json().get("push").get("sequence").asLong();
        assertThat(cdn.awaitStatus(push).get("status").asString()).isEqualTo("complete");
        for (String edge : Cdn.EDGES) {
            Cdn.Answer first = cdn.get(edge, "/app.js");
            assertThat(first.xCache()).as(edge + "'s first request").isEqualTo("HIT");
            assertThat(first.body()).isEqualTo("written through");
        }

        // Notices are delivered in order: once a later change's purge is logged, the upload's notice was answered.
        cdn.putAsset("/doc.html", "later change");
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> assertThat(
                cdn.api("GET", "/api/v1/purges?limit=1", null).json().get("purges").get(0).get("urls").toString())
                .contains("/doc.html"));
        JsonNode purges = cdn.api("GET", "/api/v1/purges?limit=2", null).json().get("purges");
        assertThat(purges.get(1).get("sequence").asLong()).as("no purge between the push and the later change")
                .isLessThan(pushSequence);
        for (String edge : Cdn.EDGES) {
            assertThat(cdn.get(edge, "/app.js").xCache()).as(edge).isEqualTo("HIT");
        }
    }

    @Test
    void pushOfAUrlMissingAtTheOriginFailsOnEveryEdgeNamingItAndPushWaitExitsNonZero() {
        dev.outpost.cli.Cli.Run run = dev.outpost.cli.Cli.run("push", "--api", cdn.apiUri().toString(), "--token",
                Cdn.OPS, "--url", "http://" + Cdn.HOST + "/missing.js", "--wait=10s");
        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.out()).contains("failed").contains("failed on: [\"ap-1\",\"ap-2\",\"eu-1\",\"eu-2\","
                + "\"us-1\",\"us-2\"]").contains("origin answered 404");
        JsonNode pushes = cdn.api("GET", "/api/v1/pushes?limit=1", null).json().get("pushes").get(0);
        assertThat(pushes.get("status").asString()).isEqualTo("failed");
        assertThat(pushes.get("edges")).allSatisfy(e -> {
            assertThat(e.get("state").asString()).isEqualTo("failed");
            assertThat(e.get("detail").asString()).contains("/missing.js").contains("origin answered 404");
        });
    }
}
