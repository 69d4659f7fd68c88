package dev.outpost.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ConfigResult;
import dev.outpost.common.wire.ServiceChange;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code outpost service ...} and the status's CONFIG column against a real control plane whose one edge (an admin
 * API on loopback) applies every configuration change it is sent.
 */
class ServiceCommandsIT {
    private static final String CONFIG = "config-token-0123456789";
    private static final String NODE = "node-token-0123456789";

    @TempDir
    Path data;
    @TempDir
    Path files;
    private ControlPlane plane;
    private HttpServer edgeAdmin;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        edgeAdmin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        edgeAdmin.createContext("/", exchange -> {
            byte[] request = exchange.getRequestBody().readAllBytes();
            byte[] body = exchange.getRequestURI().getPath().equals("/_edge/config")
                    ? Json.bytes(ConfigResult.applied(Json.mapper().readValue(request, ServiceChange.class).version()))
                    : "{\"unknownHosts\":[],\"removed\":1,\"markedStale\":0}".getBytes(UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        edgeAdmin.start();
        String yaml = """
                listen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: configurer, token: %s, scopes: [read, config]}
                  - {name: edges, token: %s, scopes: [node]}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                """.formatted(data, CONFIG, NODE);
        plane = ControlPlane.start(ConfigFiles.parse("cp.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class),
                Clock.systemUTC());
        assertThat(node("/api/v1/nodes/register", "{\"id\":\"eu-1\",\"kind\":\"edge\",\"region\":\"eu\","
                + "\"publicUrl\":\"http://127.0.2.1:8080\",\"adminUrl\":\"http://127.0.0.1:"
                + edgeAdmin.getAddress().getPort() + "\",\"cacheEmpty\":true}")).isEqualTo(200);
    }

    @AfterEach
    void stop() {
        plane.close();
        edgeAdmin.stop(0);
    }

    private int node(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(plane.apiUri() + path))
                .header("Authorization", "Bearer " + NODE).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    private Cli.Run run(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--api";
        all[args.length + 1] = plane.apiUri().toString();
        all[args.length + 2] = "--token";
        all[args.length + 3] = CONFIG;
        return Cli.run(all);
    }

    private Path file(String name, String text) throws Exception {
        return Files.writeString(files.resolve(name), text);
    }

    @Test
    void aDefinitionIsPutReadBackEditedAndPutAgainWithItsVersionAsIfMatch() throws Exception {
        Cli.Run created = run("service", "put", "site", file("site.yml", """
                hosts: [www.example.com]
                origins: ["http://127.0.0.1:8081"]
                """).toString(), "--wait");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("site: version 1 (c-1): created").contains("complete: 1 of 1 edges applied")
                .containsPattern("eu-1 +applied");

        Cli.Run got = run("service", "get", "site");
        assertThat(got.exit()).as(got.err()).isZero();
        assertThat(got.out()).contains("# version: 1").contains("http://127.0.0.1:8081");
        Path edited = file("edited.yml", got.out().replace("8081", "9091"));

        Cli.Run changed = run("service", "put", "site", edited.toString());
        assertThat(changed.exit()).as(changed.err()).isZero();
        assertThat(changed.out()).contains("site: version 2 (c-2): changed origins")
                .contains("purged p-3 (soft: revalidate) [\"www.example.com\"]: [\"origins\"]");

        // the same edited file again says version 1: someone (we) changed it since, so it is refused
        Cli.Run stale = run("service", "put", "site", edited.toString());
        assertThat(stale.exit()).isEqualTo(2);
        assertThat(stale.err()).contains("412 precondition_failed");

        Cli.Run noVersion = run("service", "put", "site", file("json.json", """
                {"hosts":["www.example.com"],"origins":["http://127.0.0.1:7071"]}""").toString());
        assertThat(noVersion.exit()).isEqualTo(2);
        assertThat(noVersion.err()).contains("exists at version 2").contains("--if-match 2");
        Cli.Run forced = run("service", "put", "site", files.resolve("json.json").toString(), "--force", "--json");
        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(Json.mapper().readTree(forced.out()).get("version").asLong()).isEqualTo(3);

        Cli.Run invalid = run("service", "put", "blog", file("blog.yml", "hosts: [blog.example.com]\n").toString());
        assertThat(invalid.exit()).isEqualTo(2);
        assertThat(invalid.err()).contains("422 invalid_service").contains("services[blog].origins");
    }

    @Test
    void versionsDiffRollbackAndTheStatusConfigColumn() throws Exception {
        run("service", "put", "site", file("a.yml", "hosts: [www.example.com]\norigins: [\"http://127.0.0.1:8081\"]\n")
                .toString());
        Cli.Run changed = run("service", "put", "site", file("b.yml",
                "hosts: [www.example.com]\norigins: [\"http://127.0.0.1:9091\"]\n").toString(), "--if-match", "1");
        assertThat(changed.exit()).as(changed.err()).isZero();

        Cli.Run versions = run("service", "versions", "site");
        assertThat(versions.exit()).as(versions.err()).isZero();
        assertThat(versions.out()).containsPattern("(?m)^ +2 c-2 .* configurer +changed origins; purged p-3$")
                .containsPattern("(?m)^ +1 c-1 .* configurer +created");
        Cli.Run diff = run("service", "diff", "site", "1", "2");
        assertThat(diff.out()).contains("origins: [\"http://127.0.0.1:8081\"] -> [\"http://127.0.0.1:9091\"]");

        Cli.Run rolledBack = run("service", "rollback", "site", "--to", "1", "--wait");
        assertThat(rolledBack.exit()).as(rolledBack.err()).isZero();
        assertThat(rolledBack.out()).contains("site: version 3").contains("rollback to version 1: changed origins");
        assertThat(run("service", "diff", "site", "1").out()).contains("no difference");
        assertThat(run("service", "list").out()).containsPattern("(?m)^site +3  www.example.com +http://127.0.0.1:8081$");

        assertThat(node("/api/v1/nodes/eu-1/heartbeat", "{\"requests\":0,\"hitRatio\":0,\"bytesCached\":0,"
                + "\"appliedSequence\":0,\"configVersion\":2}")).isEqualTo(200);
        Cli.Run status = run("status");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).contains("CONFIG").containsPattern("eu-1 .* v2 \\(old\\)");
        JsonNode json = Json.mapper().readTree(run("status", "--json").out());
        assertThat(json.get("nodes").get(0).get("configVersion").asLong()).isEqualTo(2);

        Cli.Run deleted = run("service", "delete", "site", "--if-match", "3");
        assertThat(deleted.exit()).as(deleted.err()).isZero();
        assertThat(deleted.out()).contains("deleted").contains("hard: removed");
    }
}
