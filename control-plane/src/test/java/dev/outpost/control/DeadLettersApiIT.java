package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.ADMIN;
import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code /api/v1/dead-letters} over a real control plane and fake edges: what an edge refused is listed with its
 * reason, shown in the purge's status, retried or discarded by an operator (idempotently, with clear refusals),
 * and counted in the metrics.
 */
class DeadLettersApiIT {
    private static final String REFUSAL = "{\"error\":\"bad_purge\",\"message\":\"this edge cannot purge it\"}";

    @TempDir
    Path data;
    private ControlPlaneFixture cp;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(data);
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    /** Purges {@code url} and waits until it settled. */
    private JsonNode purge(String url) {
        HttpReply accepted = cp.post("/api/v1/purges", OPS, "{\"urls\":[\"" + url + "\"],\"regions\":[\"eu\"]}");
        assertThat(accepted.status()).isEqualTo(202);
        return cp.get("/api/v1/purges/" + accepted.json().get("id").asString() + "?wait=10s", READER).json();
    }

    private HttpReply action(long sequence, String node, String action, String token) {
        return cp.post("/api/v1/dead-letters/" + sequence + "/" + node + "/" + action, token, "");
    }

    @Test
    void aRefusedPurgeIsListedWithTheEdgesReasonAndItsStatusNamesTheEdge() throws Exception {
        FakeEdge refusing = cp.edge("eu-1", "eu");
        cp.edge("eu-2", "eu");
        refusing.answerFor("http://www.example.com/bad", 400, REFUSAL);
        JsonNode status = purge("http://www.example.com/bad");

        assertThat(status.get("status").asString()).isEqualTo("failed");
        assertThat(status.get("deadLetteredEdges")).extracting(JsonNode::asString).containsExactly("eu-1");
        long sequence = status.get("sequence").asLong();
        JsonNode listed = cp.get("/api/v1/dead-letters", READER).json();
        assertThat(listed.get("more").asBoolean()).isFalse();
        JsonNode letter = listed.get("deadLetters").get(0);
        assertThat(letter.get("sequence").asLong()).isEqualTo(sequence);
        assertThat(letter.get("node").asString()).isEqualTo("eu-1");
        assertThat(letter.get("id").asString()).isEqualTo("p-" + sequence);
        assertThat(letter.get("state").asString()).isEqualTo("dead_lettered");
        assertThat(letter.get("tries").asInt()).isEqualTo(1);
        assertThat(letter.get("reason").asString()).contains("refused as invalid")
                .contains("bad_purge: this edge cannot purge it");
        assertThat(cp.get("/api/v1/dead-letters?node=eu-2", READER).json().get("deadLetters")).isEmpty();

        // the edge moved on: the next purge reaches it and completes
        assertThat(purge("http://www.example.com/good").get("status").asString()).isEqualTo("complete");
        JsonNode node = cp.get("/api/v1/nodes", READER).json().get("nodes").get(0);
        assertThat(node.get("caughtUp").asBoolean()).isTrue();
    }

    @Test
    void listingPagesWithACursorAndRefusesBadParameters() throws Exception {
        FakeEdge refusing = cp.edge("eu-1", "eu");
        FakeEdge other = cp.edge("eu-2", "eu");
        refusing.answer(422);
        other.answer(422);
        purge("http://www.example.com/1");
        purge("http://www.example.com/2");

        List<String> seen = new ArrayList<>();
        String query = "?limit=3";
        while (true) {
            JsonNode page = cp.get("/api/v1/dead-letters" + query, READER).json();
            page.get("deadLetters").forEach(d -> seen.add(d.get("sequence").asLong() + "/" + d.get("node").asString()));
            if (!page.get("more").asBoolean()) {
                break;
            }
            query = page.get("next").asString();
        }
        assertThat(seen).containsExactly("1/eu-1", "1/eu-2", "2/eu-1", "2/eu-2");
        assertThat(cp.get("/api/v1/dead-letters?limit=0", READER).error()).isEqualTo("bad_limit");
        assertThat(cp.get("/api/v1/dead-letters?limit=501", READER).error()).isEqualTo("bad_limit");
        assertThat(cp.get("/api/v1/dead-letters?state=closed", READER).error()).isEqualTo("bad_state");
        assertThat(cp.get("/api/v1/dead-letters?after=2", READER).error()).isEqualTo("bad_after");
        assertThat(cp.get("/api/v1/dead-letters?node=a/b", READER).error()).isEqualTo("bad_node");
        assertThat(cp.get("/api/v1/dead-letters", null).status()).isEqualTo(401);
    }

    @Test
    void retryReachesTheEdgeOnceItTakesTheEntryAndIsIdempotent() throws Exception {
        FakeEdge edge = cp.edge("eu-1", "eu");
        edge.answerFor("http://www.example.com/bad", 400, REFUSAL);
        long sequence = purge("http://www.example.com/bad").get("sequence").asLong();

        assertThat(action(sequence, "eu-1", "retry", READER).status()).isEqualTo(403);
        HttpReply stillRefused = action(sequence, "eu-1", "retry", OPS);
        assertThat(stillRefused.status()).isEqualTo(502);
        assertThat(stillRefused.error()).isEqualTo("retry_failed");
        assertThat(stillRefused.message()).contains("edge answered 400 bad_purge");

        edge.clearAnswerFor("http://www.example.com/bad");
        HttpReply retried = action(sequence, "eu-1", "retry", OPS);
        assertThat(retried.status()).isEqualTo(200);
        assertThat(retried.json().get("state").asString()).isEqualTo("applied");
        assertThat(retried.json().get("tries").asInt()).isEqualTo(3);
        HttpReply again = action(sequence, "eu-1", "retry", OPS);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("state").asString()).isEqualTo("applied");
        assertThat(edge.unsequencedCalls()).as("the second retry sent nothing").hasSize(2);
        assertThat(cp.get("/api/v1/purges/p-" + sequence, READER).json().get("status").asString())
                .isEqualTo("complete");
        assertThat(cp.get("/api/v1/dead-letters", READER).json().get("deadLetters")).isEmpty();
        assertThat(cp.get("/api/v1/dead-letters?state=all", READER).json().get("deadLetters")).hasSize(1);
        HttpReply discardApplied = action(sequence, "eu-1", "discard", OPS);
        assertThat(discardApplied.status()).isEqualTo(409);
        assertThat(discardApplied.error()).isEqualTo("dead_letter_applied");
    }

    @Test
    void discardIsIdempotentAndADiscardedLetterCannotBeRetried() throws Exception {
        FakeEdge edge = cp.edge("eu-1", "eu");
        edge.answer(400);
        long sequence = purge("http://www.example.com/bad").get("sequence").asLong();

        HttpReply discarded = action(sequence, "eu-1", "discard", OPS);
        assertThat(discarded.status()).isEqualTo(200);
        assertThat(discarded.json().get("state").asString()).isEqualTo("discarded");
        assertThat(discarded.json().get("reason").asString()).startsWith("discarded by ops");
        assertThat(action(sequence, "eu-1", "discard", OPS).json().get("state").asString()).isEqualTo("discarded");
        assertThat(cp.get("/api/v1/purges/p-" + sequence, READER).json().get("status").asString())
                .as("no longer waits for the edge").isEqualTo("complete");
        HttpReply retry = action(sequence, "eu-1", "retry", OPS);
        assertThat(retry.status()).isEqualTo(409);
        assertThat(retry.error()).isEqualTo("dead_letter_discarded");
        assertThat(action(sequence, "eu-2", "discard", OPS).status()).isEqualTo(404);
        assertThat(action(999, "eu-1", "retry", OPS).status()).isEqualTo(404);
        assertThat(action(sequence, "eu-1", "nonsense", OPS).status()).isEqualTo(404);
    }

    @Test
    void retryOfADeadLetterOfARemovedEdgeIsAConflictAndDeadLettersAreCountedInTheMetrics() throws Exception {
        FakeEdge edge = cp.edge("eu-1", "eu");
        edge.answer(400);
        long sequence = purge("http://www.example.com/bad").get("sequence").asLong();

        String metrics = cp.get("/api/v1/metrics", null).body();
        assertThat(metrics).contains("controlplane_deliveries_dead_lettered_total{cause=\"refused\",edge=\"eu-1\"} 1.0")
                .contains("controlplane_dead_letters{edge=\"eu-1\"} 1.0");
        assertThat(cp.delete("/api/v1/nodes/eu-1", ADMIN).status()).isEqualTo(200);
        HttpReply retry = action(sequence, "eu-1", "retry", OPS);
        assertThat(retry.status()).isEqualTo(409);
        assertThat(retry.error()).isEqualTo("edge_not_registered");
    }
}
