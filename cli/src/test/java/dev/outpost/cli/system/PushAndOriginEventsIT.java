package dev.outpost.cli.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
        Cdn.Reply put = cdn.putAsset("/app.js", "new app.js");
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
}
