package dev.outpost.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code outpost status} and {@code outpost dead-letters [retry|discard]} against a real control plane whose one
 * edge (an admin API on loopback) refuses every entry until the test lets it take them.
 */
class DeadLetterCommandsIT {
    private static final String OPS = "ops-token-0123456789";
    private static final String NODE = "node-token-0123456789";

    @TempDir
    Path data;
    private ControlPlane plane;
    private HttpServer edgeAdmin;
    private final AtomicBoolean edgeTakes = new AtomicBoolean();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        edgeAdmin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        edgeAdmin.createContext("/", exchange -> {
            byte[] body = (edgeTakes.get() ? "{\"unknownHosts\":[],\"removed\":1,\"markedStale\":0}"
                    : "{\"error\":\"bad_purge\",\"message\":\"not for this edge\"}").getBytes(UTF_8);
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(edgeTakes.get() ? 200 : 400, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        edgeAdmin.start();
        String yaml = """
                listen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read, purge, push]}
                  - {name: edges, token: %s, scopes: [node]}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                """.formatted(data, OPS, NODE);
        plane = ControlPlane.start(ConfigFiles.parse("cp.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class),
                Clock.systemUTC());
        HttpResponse<String> registered = http.send(HttpRequest.newBuilder(
                URI.create(plane.apiUri() + "/api/v1/nodes/register"))
                .header("Authorization", "Bearer " + NODE).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"eu-1\",\"kind\":\"edge\",\"region\":\"eu\","
                        + "\"publicUrl\":\"http://127.0.2.1:8080\",\"adminUrl\":\"http://127.0.0.1:"
                        + edgeAdmin.getAddress().getPort() + "\",\"cacheEmpty\":true}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(registered.statusCode()).isEqualTo(200);
    }

    @AfterEach
    void stop() {
        plane.close();
        edgeAdmin.stop(0);
    }

    private Cli.Run run(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--api";
        all[args.length + 1] = plane.apiUri().toString();
        all[args.length + 2] = "--token";
        all[args.length + 3] = OPS;
        return Cli.run(all);
    }

    /** Purges a URL and waits until it settled (dead-lettered on the refusing edge). */
    private void purge(String path) {
        Cli.Run purge = run("purge", "--url", "http://www.example.com" + path, "--wait", "10s");
        assertThat(purge.out()).as(purge.err()).contains("failed");
    }

    @Test
    void statusShowsTheOpenDeadLettersWithTheEdgesReason() {
        purge("/a.js");

        Cli.Run status = run("status");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).contains("DEAD LETTERS").containsPattern(
                "p-1 +1 +eu-1 +dead_lettered +1 refused as invalid: edge answered 400 bad_purge: not for this edge");
        JsonNode json = Json.mapper().readTree(run("status", "--json").out());
        assertThat(json.get("deadLetters").get(0).get("node").asString()).isEqualTo("eu-1");
        assertThat(json.get("deadLetters").get(0).get("tries").asInt()).isEqualTo(1);
    }

    @Test
    void deadLettersAreListedRetriedAndDiscarded() {
        purge("/a.js");
        purge("/b.js");
        Cli.Run listed = run("dead-letters", "--edge", "eu-1");
        assertThat(listed.exit()).as(listed.err()).isZero();
        assertThat(listed.out()).contains("p-1").contains("p-2");

        Cli.Run refused = run("dead-letters", "retry", "1", "eu-1");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("retry_failed").contains("stays open");

        edgeTakes.set(true);
        Cli.Run retried = run("dead-letters", "retry", "1", "eu-1");
        assertThat(retried.exit()).as(retried.err()).isZero();
        assertThat(retried.out().strip()).isEqualTo("p-1 on eu-1: applied");
        Cli.Run discarded = run("dead-letters", "discard", "2", "eu-1");
        assertThat(discarded.out().strip()).isEqualTo("p-2 on eu-1: discarded");

        assertThat(run("dead-letters").out()).contains("DEAD LETTERS: none");
        JsonNode all = Json.mapper().readTree(run("dead-letters", "--all", "--json").out());
        assertThat(all.get("deadLetters")).extracting(d -> d.get("state").asString())
                .containsExactly("applied", "discarded");
        Cli.Run unknown = run("dead-letters", "discard", "9", "eu-1");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("no dead letter for entry 9");
    }
}
