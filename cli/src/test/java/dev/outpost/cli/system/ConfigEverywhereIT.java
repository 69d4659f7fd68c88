package dev.outpost.cli.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 16 across six edges with the real control plane: a delivery-service change made through the API is applied by
 * every edge and confirmed per edge; an edge cut off during a change catches up before it is steered to again; a
 * rollback brings back byte-identical answers.
 */
class ConfigEverywhereIT {
    private static final String NEW_HOST = "new.example.test";

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

    private String site(String... extraHosts) {
        StringBuilder hosts = new StringBuilder("\"" + Cdn.HOST + "\"");
        for (String host : extraHosts) {
            hosts.append(",\"").append(host).append('"');
        }
        return "{\"hosts\":[" + hosts + "],\"origins\":[\"" + cdn.originUri() + "\"]}";
    }

    /** Puts the site's definition and answers the version it became. */
    private long put(String definition, Optional<Long> over) {
        HttpReply reply = cdn.putService("site", definition, over.map(v -> "\"" + v + "\""));
        assertThat(reply.status()).as(reply.body()).isIn(200, 201);
        return reply.json().get("version").asLong();
    }

    /** The version's delivery once every edge in scope answered (or 10 s passed). */
    private JsonNode awaitDelivered(long version) {
        HttpReply reply = cdn.api("GET", "/api/v1/services/site/versions/" + version + "?wait=10s", null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json().get("progress");
    }

    /** The version's delivery now. */
    private JsonNode progress(long version) {
        HttpReply reply = cdn.api("GET", "/api/v1/services/site/versions/" + version, null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json().get("progress");
    }

    private static String stateOf(JsonNode progress, String edge) {
        for (JsonNode e : progress.get("edges")) {
            if (e.get("id").asString().equals(edge)) {
                return e.get("state").asString();
            }
        }
        throw new AssertionError(edge + " not in " + progress);
    }

    @Test
    void aServiceChangeIsAppliedByEveryEdgeAndConfirmedPerEdge() {
        for (String id : Cdn.EDGES) {
            assertThat(cdn.get(id, NEW_HOST, "/app.js").code()).as("%s before the change", id).isEqualTo(404);
        }

        long version = put(site(NEW_HOST), Optional.empty());

        JsonNode progress = awaitDelivered(version);
        assertThat(progress.get("edgesApplied").asInt()).as(progress.toString()).isEqualTo(Cdn.EDGES.size());
        for (String id : Cdn.EDGES) {
            assertThat(stateOf(progress, id)).as(id).isEqualTo("applied");
            assertThat(cdn.edge(id).services().current().version()).as("%s runs it", id).isEqualTo(version);
            Cdn.Answer answer = cdn.get(id, NEW_HOST, "/app.js");
            assertThat(answer.code()).as("%s serves the new host", id).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("content of /app.js");
        }
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            for (String id : Cdn.EDGES) {
                assertThat(cdn.node(id).get("configVersion").asLong()).as("%s reports it", id).isEqualTo(version);
            }
        });
    }

    @Test
    void anEdgeCutOffDuringAChangeCatchesUpBeforeItIsSteeredAgain() {
        long first = put(site(), Optional.empty());
        awaitDelivered(first);
        cdn.cut("eu-2");
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> !cdn.node("eu-2").get("healthy").asBoolean());

        long second = put(site(NEW_HOST), Optional.of(first));
        JsonNode progress = await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(20))
                .until(() -> progress(second), p -> p.get("edgesApplied").asInt() == Cdn.EDGES.size() - 1);
        assertThat(stateOf(progress, "eu-2")).isNotEqualTo("applied");
        assertThat(cdn.get("eu-2", NEW_HOST, "/app.js").code()).as("eu-2 still runs the old configuration")
                .isEqualTo(404);
        for (int i = 0; i < 20; i++) {
            assertThat(cdn.route("127.0.2.50", "/file-" + i).get("chosen").asString()).isNotEqualTo("eu-2");
        }

        cdn.heal("eu-2");
        // Steered again only once it runs the change: at the first moment it is steerable, it already does.
        await().atMost(Cdn.PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> cdn.steerable("eu-2"));
        assertThat(cdn.edge("eu-2").services().current().version()).isEqualTo(second);
        assertThat(cdn.get("eu-2", NEW_HOST, "/app.js").code()).isEqualTo(200);
    }

    @Test
    void aRollbackRestoresByteIdenticalAnswers() {
        long first = put(site(), Optional.empty());
        awaitDelivered(first);
        Map<String, Cdn.Answer> before = answers();

        String signed = "{\"hosts\":[\"" + Cdn.HOST + "\"],\"origins\":[\"" + cdn.originUri() + "\"],"
                + "\"signing\":{\"keys\":[{\"secret\":\"rollback-secret-rollback-secret-0123\"}]}}";
        long second = put(signed, Optional.of(first));
        awaitDelivered(second);
        for (String id : Cdn.EDGES) {
            assertThat(cdn.get(id, "/app.js").code()).as("%s requires a signature now", id).isEqualTo(403);
        }

        HttpReply rollback = cdn.api("POST", "/api/v1/services/site/rollback?to=" + first, "");
        assertThat(rollback.status()).as(rollback.body()).isEqualTo(200);
        long third = rollback.json().get("version").asLong();
        assertThat(third).isGreaterThan(second);
        awaitDelivered(third);

        Map<String, Cdn.Answer> after = answers();
        for (String key : before.keySet()) {
            assertThat(after.get(key).code()).as(key).isEqualTo(before.get(key).code());
            assertThat(after.get(key).body()).as(key).isEqualTo(before.get(key).body());
        }
    }

    /** Every edge's answer to two paths, by edge and path. */
    private Map<String, Cdn.Answer> answers() {
        Map<String, Cdn.Answer> answers = new LinkedHashMap<>();
        for (String id : Cdn.EDGES) {
            for (String path : java.util.List.of("/app.js", "/doc.html")) {
                Cdn.Answer answer = cdn.get(id, path);
                assertThat(answer.code()).as("%s %s", id, path).isEqualTo(200);
                answers.put(id + " " + path, answer);
            }
        }
        return answers;
    }
}
