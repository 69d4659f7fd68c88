package dev.outpost.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** purge, push and status against a real control plane on 127.0.0.1:0. */
class ClientCommandsIT {
    private static final String OPS = "ops-token-0123456789";
    private static final String NODE = "node-token-0123456789";
    private static final String EMPTIER = "purge-all-token-0123456789";

    @TempDir
    Path data;
    private ControlPlane plane;

    @BeforeEach
    void start() {
        String yaml = """
                listen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read, purge, push]}
                  - {name: edges, token: %s, scopes: [node]}
                  - {name: emptier, token: %s, scopes: [read, "purge:all"]}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                """.formatted(data, OPS, NODE, EMPTIER);
        plane = ControlPlane.start(ConfigFiles.parse("cp.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class),
                Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        plane.close();
    }

    private record Run(int exit, String out, String err) {
    }

    private Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 2];
        all[0] = "--api";
        all[1] = plane.apiUri().toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return new Run(cli.execute(all), out.toString(), err.toString());
    }

    @Test
    void purgeWithWaitPrintsTheIdAndTheCompleteStatus() {
        Run run = run(new PurgeCommand(), "--token", OPS, "--url", "http://www.example.com/a.js", "--tag", "css",
                "--soft", "--wait", "5s");
        assertThat(run.err()).isEmpty();
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("accepted p-1 (sequence 1)").contains("p-1  complete  0/0 edges");
    }

    @Test
    void purgeErrorsAreOneLineWithTheApiErrorAndExitCode2() {
        Run badToken = run(new PurgeCommand(), "--token", "wrong-token-0123456789", "--all", "--confirm");
        assertThat(badToken.exit()).isEqualTo(2);
        assertThat(badToken.err()).contains("HTTP 401 unauthorized: unknown token");

        Run empty = run(new PurgeCommand(), "--token", OPS);
        assertThat(empty.exit()).isEqualTo(2);
        assertThat(empty.err()).contains("HTTP 400 empty_purge");
    }

    @Test
    void pushPrintsItsId() {
        Run run = run(new PushCommand(), "--token", OPS, "--url", "http://www.example.com/big.js");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("accepted push-1");
    }

    @Test
    void statusListsNodesAndRecentPurges() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> registered = http.send(HttpRequest.newBuilder(
                URI.create(plane.apiUri() + "/api/v1/nodes/register"))
                .header("Authorization", "Bearer " + NODE).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"eu-1\",\"kind\":\"edge\",\"region\":\"eu\","
                        + "\"publicUrl\":\"http://127.0.2.1:8080\",\"cacheEmpty\":true}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(registered.statusCode()).isEqualTo(200);
        run(new PurgeCommand(), "--token", OPS, "--url", "http://www.example.com/a.js");

        Run status = run(new StatusCommand(), "--token", OPS);
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).contains("eu-1").contains("healthy").contains("p-1");
    }

    /** How many purges the control plane logged, read from its API. */
    private int purgesLogged() {
        try {
            HttpResponse<String> listing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(plane.apiUri() + "/api/v1/purges")).header("Authorization", "Bearer " + OPS).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(listing.statusCode()).isEqualTo(200);
            return dev.outpost.common.json.Json.mapper().readTree(listing.body()).get("purges").size();
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyFlagIsCheckedBeforeAPurgeIsSubmitted() {
        Run badWait = run(new PurgeCommand(), "--token", EMPTIER, "--all", "--confirm", "--wait=5x");
        assertThat(badWait.exit()).isEqualTo(2);
        assertThat(badWait.err()).contains("--wait must look like 500ms, 10s or 2m").contains("nothing was submitted");
        assertThat(badWait.out()).doesNotContain("accepted");

        Run unconfirmed = run(new PurgeCommand(), "--token", EMPTIER, "--all", "--wait=1m");
        assertThat(unconfirmed.exit()).isEqualTo(2);
        assertThat(unconfirmed.err()).contains("--confirm").contains("nothing was submitted");
        Run hostRoot = run(new PurgeCommand(), "--token", EMPTIER, "--prefix", "http://www.example.com/");
        assertThat(hostRoot.exit()).isEqualTo(2);
        assertThat(hostRoot.err()).contains("--confirm");
        assertThat(purgesLogged()).isZero();
    }

    @Test
    void purgeAllConfirmedWithAWaitOfAMinuteIsAcceptedAndWaits() {
        Run run = run(new PurgeCommand(), "--token", EMPTIER, "--all", "--confirm", "--wait=1m");
        assertThat(run.err()).isEmpty();
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("accepted p-1").contains("p-1  complete");

        Run withoutScope = run(new PurgeCommand(), "--token", OPS, "--host", "www.example.com", "--confirm");
        assertThat(withoutScope.exit()).isEqualTo(2);
        assertThat(withoutScope.err()).contains("HTTP 403 forbidden").contains("purge:all");
    }
}
