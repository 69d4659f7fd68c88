package dev.outpost.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.outpost.common.config.ConfigFiles;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import dev.outpost.testkit.LoopbackPorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

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

    private Cli.Run run(Object command, String... args) {
        return runAt(plane.apiUri().toString(), command, args);
    }

    private Cli.Run runAt(String api, Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 2];
        all[0] = "--api";
        all[1] = api;
        System.arraycopy(args, 0, all, 2, args.length);
        return new Cli.Run(cli.execute(all), out.toString(), err.toString());
    }

    @Test
    void purgeWithWaitPrintsTheIdAndTheCompleteStatus() {
        Cli.Run run = run(new PurgeCommand(), "--token", OPS, "--url", "http://www.example.com/a.js", "--tag", "css",
                "--soft", "--wait", "5s");
        assertThat(run.err()).isEmpty();
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("accepted p-1 (sequence 1)").contains("p-1  complete  0/0 edges");
    }

    @Test
    void purgeErrorsAreOneLineWithTheApiErrorAndExitCode2() {
        Cli.Run badToken = run(new PurgeCommand(), "--token", "wrong-token-0123456789", "--all", "--confirm");
        assertThat(badToken.exit()).isEqualTo(2);
        assertThat(badToken.err()).contains("the control plane at " + plane.apiUri() + "/api/v1/purges answered "
                + "HTTP 401 unauthorized: unknown token");

        Cli.Run empty = run(new PurgeCommand(), "--token", OPS);
        assertThat(empty.exit()).isEqualTo(2);
        assertThat(empty.err()).contains("HTTP 400 empty_purge");
    }

    @Test
    void pushPrintsItsId() {
        Cli.Run run = run(new PushCommand(), "--token", OPS, "--url", "http://www.example.com/big.js");
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

        Cli.Run status = run(new StatusCommand(), "--token", OPS);
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).contains("eu-1").contains("healthy").contains("p-1").doesNotContain("DOWN");

        // the edge's heartbeat says one origin's circuit breaker is open
        HttpResponse<String> beat = http.send(HttpRequest.newBuilder(
                URI.create(plane.apiUri() + "/api/v1/nodes/eu-1/heartbeat"))
                .header("Authorization", "Bearer " + NODE).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"appliedSequence\":1,"
                        + "\"originsDown\":[\"http://origin-eu.internal:8080\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(beat.statusCode()).as(beat.body()).isEqualTo(200);
        Cli.Run down = run(new StatusCommand(), "--token", OPS);
        assertThat(down.out()).contains("eu-1: origin http://origin-eu.internal:8080 is DOWN (circuit open");
    }

    @Test
    void statusWithOriginsShowsEachOriginsRoleAndReplicationLag(@TempDir Path dirs)
            throws Exception {
        String token = "group-token-0123456789";
        try (OriginNode primary = OriginNode.start(
                OriginConfig.of(Files.createDirectories(dirs.resolve("us"))
                        .toString()).withListen("127.0.0.1:0").withApiToken(token));
                OriginNode replica = OriginNode.start(
                        OriginConfig.of(Files.createDirectories(dirs.resolve("eu"))
                                .toString()).withListen("127.0.0.1:0").withApiToken(token)
                                .withReplication(OriginConfig.Replication.replicaOf(
                                        primary.baseUri(), Optional.of("eu"))))) {
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    replica.replication().following().orElseThrow().ready());
            int nobody = LoopbackPorts.free();
            Cli.Run status = run(new StatusCommand(), "--token", OPS, "--origin", primary.baseUri().toString(),
                    "--origin", replica.baseUri().toString(), "--origin", "127.0.0.1:" + nobody);
            assertThat(status.exit()).as(status.err()).isZero();
            assertThat(status.out()).containsPattern("(?m)^" + Pattern.quote(
                    primary.baseUri().toString()) + " +primary +1 replica +0 +-$");
            assertThat(status.out()).containsPattern("(?m)^" + Pattern.quote(
                    replica.baseUri().toString()) + " +replica +\\S+ +0 +0\\.0 s$");
            assertThat(status.out()).containsPattern("(?m)^127\\.0\\.0\\.1:" + nobody + " +- +DOWN .*refused");

            Cli.Run json = run(new StatusCommand(), "--token", OPS, "--json", "--origin",
                    replica.baseUri().toString());
            JsonNode document = onlyJsonDocument(json.out());
            assertThat(document.propertyNames()).containsExactly("nodes", "purges", "deadLetters", "traffic", "origins");
            assertThat(document.get("origins").get(0).get("health").get("role").asString()).isEqualTo("replica");
        }
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
        Cli.Run badWait = run(new PurgeCommand(), "--token", EMPTIER, "--all", "--confirm", "--wait=5x");
        assertThat(badWait.exit()).isEqualTo(2);
        assertThat(badWait.err()).contains("--wait must look like 500ms, 10s or 2m").contains("nothing was submitted");
        assertThat(badWait.out()).doesNotContain("accepted");

        Cli.Run unconfirmed = run(new PurgeCommand(), "--token", EMPTIER, "--all", "--wait=1m");
        assertThat(unconfirmed.exit()).isEqualTo(2);
        assertThat(unconfirmed.err()).contains("--confirm").contains("nothing was submitted");
        Cli.Run hostRoot = run(new PurgeCommand(), "--token", EMPTIER, "--prefix", "http://www.example.com/");
        assertThat(hostRoot.exit()).isEqualTo(2);
        assertThat(hostRoot.err()).contains("--confirm");
        assertThat(purgesLogged()).isZero();
    }

    @Test
    void purgeAllConfirmedWithAWaitOfAMinuteIsAcceptedAndWaits() {
        Cli.Run run = run(new PurgeCommand(), "--token", EMPTIER, "--all", "--confirm", "--wait=1m");
        assertThat(run.err()).isEmpty();
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("accepted p-1").contains("p-1  complete");

        Cli.Run withoutScope = run(new PurgeCommand(), "--token", OPS, "--host", "www.example.com", "--confirm");
        assertThat(withoutScope.exit()).isEqualTo(2);
        assertThat(withoutScope.err()).contains("HTTP 403 forbidden").contains("purge:all");
    }

    @Test
    void purgeWithJsonPrintsTheApiAnswerAndNothingElse() {
        Cli.Run run = run(new PurgeCommand(), "--token", OPS, "--url", "http://www.example.com/a.js", "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode answer = onlyJsonDocument(run.out());
        assertThat(answer.propertyNames()).containsExactly("id", "sequence", "status");
        assertThat(answer.get("id").asString()).isEqualTo("p-1");
        assertThat(answer.get("sequence").asLong()).isEqualTo(1);
    }

    @Test
    void purgeWithJsonAndWaitPrintsOnlyTheSettledEntry() {
        Cli.Run run = run(new PurgeCommand(), "--token", OPS, "--tag", "css", "--json", "--wait", "5s");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode entry = onlyJsonDocument(run.out());
        assertThat(entry.get("id").asString()).isEqualTo("p-1");
        assertThat(entry.get("status").asString()).isEqualTo("complete");
        assertThat(entry.get("edges").isArray()).isTrue();
    }

    @Test
    void pushWithJsonPrintsTheAcceptedPush() {
        Cli.Run run = run(new PushCommand(), "--token", OPS, "--url", "http://www.example.com/big.js", "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(onlyJsonDocument(run.out()).get("id").asString()).isEqualTo("push-1");
    }

    @Test
    void statusWithJsonPrintsTheNodesAndPurgesArraysOfTheApi() {
        run(new PurgeCommand(), "--token", OPS, "--url", "http://www.example.com/a.js");
        Cli.Run run = Cli.run("status", "--api", plane.apiUri().toString(), "--token", OPS, "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode status = onlyJsonDocument(run.out());
        assertThat(status.propertyNames()).containsExactly("nodes", "purges", "deadLetters", "traffic");
        assertThat(status.get("nodes").isArray()).isTrue();
        assertThat(status.get("purges").get(0).get("id").asString()).isEqualTo("p-1");
    }

    @Test
    void failedCallWithJsonLeavesStdoutEmptyAndExplainsOnStderr() {
        Cli.Run run = run(new PurgeCommand(), "--token", "wrong-token-0123456789", "--url", "http://a.test/x", "--json");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("HTTP 401 unauthorized");
    }

    @Test
    void refusedConnectionNamesTheUrlTriedAndWhereTheAddressComesFrom() throws Exception {
        int closed = LoopbackPorts.free();
        Cli.Run run = runAt("http://127.0.0.1:" + closed, new PurgeCommand(), "--token", OPS, "--url", "http://a.test/");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("outpost purge: cannot reach the control plane at http://127.0.0.1:"
                + closed + "/api/v1/purges: connection refused (is it running? --api / OUTPOST_API)");
    }

    @Test
    void answerThatIsNotJsonNamesTheUrlTheStatusAndWhatCameBack() throws Exception {
        HttpServer notTheApi = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        notTheApi.createContext("/", exchange -> {
            byte[] page = "<html><body><h1>Not Found</h1></body></html>".getBytes(UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html");
            exchange.sendResponseHeaders(404, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        notTheApi.start();
        try {
            String base = "http://127.0.0.1:" + notTheApi.getAddress().getPort();
            Cli.Run run = runAt(base, new StatusCommand(), "--token", OPS);
            assertThat(run.exit()).isEqualTo(2);
            assertThat(run.err()).contains("the server at " + base + "/api/v1/nodes answered HTTP 404 with a body "
                    + "that is not JSON (text/html, '<html><body><h1>Not Found</h1></body></html>')")
                    .contains("is it the control plane's API?");
        } finally {
            notTheApi.stop(0);
        }
    }

    @Test
    void apiGivenAsHostAndPortIsTakenAsHttp() {
        String hostAndPort = plane.apiUri().getAuthority();
        Cli.Run run = runAt(hostAndPort, new PurgeCommand(), "--token", OPS, "--url", "http://www.example.com/a.js");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("accepted p-1");
    }

    @Test
    void apiWithAnotherSchemeIsRefusedBeforeAnythingIsSent() {
        Cli.Run run = runAt("ftp://" + plane.apiUri().getAuthority(), new PurgeCommand(), "--token", OPS, "--url",
                "http://www.example.com/a.js");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--api must be an http:// or https:// URL, was 'ftp://");
        assertThat(purgesLogged()).isZero();
    }

    @Test
    void httpsUrlForTheControlPlanesPlainHttpPortIsATlsFailureAndNothingIsSubmitted() {
        String base = "https://" + plane.apiUri().getAuthority();
        Cli.Run run = runAt(base, new PurgeCommand(), "--token", OPS, "--url", "http://www.example.com/a.js");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("outpost purge: cannot reach the control plane at " + base
                + "/api/v1/purges: TLS failed: ").contains("(an https:// URL for a plain-HTTP port? --api / OUTPOST_API)");
        assertThat(purgesLogged()).isZero();
    }

    /** The whole of stdout is one JSON document on one line. */
    private static JsonNode onlyJsonDocument(String out) {
        assertThat(out).endsWith("\n");
        assertThat(out.strip()).doesNotContain("\n");
        return dev.outpost.common.json.Json.mapper().readTree(out);
    }
}
