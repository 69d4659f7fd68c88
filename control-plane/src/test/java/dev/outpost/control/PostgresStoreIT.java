package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole control plane with {@code store.engine: postgresql} on a real PostgreSQL server: purges are accepted,
 * delivered to edges and kept across a restart; with the database stopped mid-test a purge is refused with 503
 * {@code store_unavailable} (never answered 202 and dropped) while steering keeps answering, and once the database
 * is back the log continues without a gap.
 */
class PostgresStoreIT {
    @TempDir
    Path data;

    private static String store(PostgresServer server, String database) {
        return "store: {engine: postgresql, url: \"" + server.createDatabase(database) + "\", user: "
                + PostgresServer.USER + ", poolSize: 2, connectTimeout: 1s}\n";
    }

    private static String purge(String path) {
        return "{\"urls\":[\"http://www.example.com" + path + "\"]}";
    }

    @Test
    void aControlPlaneOnPostgresqlAcceptsAPurgeThatItsEdgesApplyAndKeepsItAcrossARestart() throws Exception {
        try (ControlPlaneFixture cp = new ControlPlaneFixture(data, store(PostgresServer.shared(), "e2e"))) {
            FakeEdge eu = cp.edge("eu-1", "eu");
            FakeEdge us = cp.edge("us-1", "us");

            HttpReply accepted = cp.post("/api/v1/purges", OPS, purge("/app.js"));
            assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
            assertThat(accepted.json().get("sequence").asLong()).isEqualTo(1);
            assertThat(cp.get("/api/v1/purges/p-1?wait=10s", READER).json().get("status").asString())
                    .isEqualTo("complete");
            for (FakeEdge edge : new FakeEdge[] {eu, us}) {
                assertThat(edge.received()).as(edge.id()).singleElement()
                        .extracting(InvalidationEntry::urls).asList().containsExactly("http://www.example.com/app.js");
            }

            cp.restart();
            assertThat(cp.get("/api/v1/purges/p-1", READER).json().get("edgesApplied").asInt())
                    .as("the log and its acknowledgements are the database's, not the process's").isEqualTo(2);
            assertThat(cp.get("/api/v1/nodes", READER).body()).contains("eu-1", "us-1");
            assertThat(cp.post("/api/v1/purges", OPS, purge("/two.js")).json().get("sequence").asLong())
                    .isEqualTo(2);
        }
    }

    @Test
    void withTheDatabaseDownAPurgeIsRefusedWith503AndSteeringKeepsAnswering() throws Exception {
        try (PostgresServer server = PostgresServer.start();
                ControlPlaneFixture cp = new ControlPlaneFixture(data, store(server, "down"))) {
            FakeEdge eu = cp.edge("eu-1", "eu");
            assertThat(cp.post("/api/v1/purges", OPS, purge("/before.js")).status()).isEqualTo(202);
            assertThat(cp.get("/api/v1/purges/p-1?wait=10s", READER).json().get("status").asString())
                    .isEqualTo("complete");

            server.stop();
            HttpReply refused = cp.post("/api/v1/purges", OPS, purge("/during.js"));
            assertThat(refused.status()).as(refused.body()).isEqualTo(503);
            assertThat(refused.json().get("error").asString()).isEqualTo("store_unavailable");
            assertThat(refused.json().get("message").asString()).contains("postgresql", "ask again");
            assertThat(refused.header("Retry-After")).isNotNull();
            assertThat(cp.steer("127.0.2.10", "/app.js").status())
                    .as("steering answers from memory while the database is down").isEqualTo(302);
            assertThat(eu.received()).as("nothing reached the edge for the refused purge").hasSize(1);

            server.startPostmaster();
            // The pool reconnects by itself, after its backoff (HikariCP waits up to 5 s between attempts while the
            // database is away); until then a purge is refused 503 with Retry-After, and a client following it with
            // the same Idempotency-Key gets exactly one entry.
            HttpReply[] answered = {null};
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                HttpReply reply = cp.call(new Request.Builder().url(cp.plane().apiUri() + "/api/v1/purges")
                        .header("Idempotency-Key", "after-restart").post(RequestBody.create(purge("/after.js")
                        .getBytes(StandardCharsets.UTF_8), MediaType.get("application/json"))), OPS, cp.http());
                assertThat(reply.status()).as(reply.body()).isIn(202, 503);
                answered[0] = reply;
                return reply.status() == 202;
            });
            HttpReply after = answered[0];
            assertThat(after.json().get("sequence").asLong()).as("no gap for the refused purge").isEqualTo(2);
            assertThat(cp.get("/api/v1/purges/p-2?wait=10s", READER).json().get("status").asString())
                    .isEqualTo("complete");
            assertThat(eu.receivedSequences()).containsExactly(1L, 2L);
        }
    }

    @Test
    void withTheDatabaseReadOnlyAPurgeIsRefusedWith503StoreReadOnlyAndNothingIsRecorded() throws Exception {
        try (PostgresServer server = PostgresServer.start();
                ControlPlaneFixture cp = new ControlPlaneFixture(data, store(server, "readonly"))) {
            assertThat(cp.post("/api/v1/purges", OPS, purge("/before.js")).status()).isEqualTo(202);

            // What a failover onto a standby, or a DBA's maintenance switch, looks like to the control plane: the
            // server answers, and refuses every write with SQLState 25006. Applied to open sessions on reload.
            server.psql("ALTER SYSTEM SET default_transaction_read_only = on");
            server.psql("SELECT pg_reload_conf()");
            HttpReply[] refused = {null};
            int[] acceptedBeforeTheReload = {0}; // the reload reaches each session a moment later
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                refused[0] = cp.post("/api/v1/purges", OPS, purge("/during.js"));
                assertThat(refused[0].status()).as(refused[0].body()).isIn(202, 503);
                acceptedBeforeTheReload[0] += refused[0].status() == 202 ? 1 : 0;
                return refused[0].status() == 503;
            });
            assertThat(refused[0].json().get("error").asString()).isEqualTo("store_read_only");
            assertThat(refused[0].json().get("message").asString()).contains("postgresql", "nothing was recorded",
                    "read-only");
            assertThat(refused[0].header("Retry-After")).isNotNull();

            server.psql("ALTER SYSTEM RESET default_transaction_read_only");
            server.psql("SELECT pg_reload_conf()");
            HttpReply[] accepted = {null};
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                accepted[0] = cp.post("/api/v1/purges", OPS, purge("/after.js"));
                return accepted[0].status() == 202;
            });
            assertThat(accepted[0].json().get("sequence").asLong()).as("the refused purges took no number")
                    .isEqualTo(2 + acceptedBeforeTheReload[0]);
        }
    }
}
