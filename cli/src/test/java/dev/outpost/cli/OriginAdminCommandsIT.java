package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.json.Json;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code outpost origin replication|promote} against a real origin on 127.0.0.1:0: --json and errors. */
class OriginAdminCommandsIT {
    private static final String TOKEN = "origin-admin-token-0123456789";

    @TempDir
    Path data;
    private OriginNode origin;

    @BeforeEach
    void start() {
        origin = OriginNode.start(OriginConfig.of(data.toString()).withListen("127.0.0.1:0").withApiToken(TOKEN));
    }

    @AfterEach
    void stop() {
        origin.close();
    }

    @Test
    void replicationWithJsonPrintsTheOriginsAnswerAndNothingElse() {
        Cli.Run run = Cli.run("origin", "replication", "--url", origin.baseUri().toString(), "--token", TOKEN,
                "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).endsWith("\n");
        assertThat(run.out().strip()).doesNotContain("\n");
        JsonNode status = Json.mapper().readTree(run.out());
        assertThat(status.get("role").asString()).isEqualTo("primary");
        assertThat(status.get("replicas").isArray()).isTrue();
    }

    @Test
    void promotingAPrimaryNamesTheUrlAndTheOriginsError() {
        String base = origin.baseUri().toString();
        Cli.Run run = Cli.run("origin", "promote", "--url", base, "--token", TOKEN, "--json");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("outpost origin promote: the origin at " + base
                + "/_origin/replication/promote answered HTTP 409 already_primary");
    }

    @Test
    void urlWithoutSchemeIsTakenAsHttpAndAWrongTokenIsNamed() {
        Cli.Run run = Cli.run("origin", "replication", "--url", origin.baseUri().getAuthority(), "--token",
                "wrong-token-0123456789");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("the origin at " + origin.baseUri() + "/_origin/replication answered HTTP 403 forbidden");
    }
}
