package dev.outpost.control;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.control.invalidation.Delivery;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.LoggedEntry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A purge answered 202 survives the control plane being killed (SIGKILL) right after the answer. */
class ControlPlaneKillIT {
    private static final String OPS = "ops-token-0123456789";
    private static final String NODE = "node-token-0123456789";

    @TempDir
    Path dir;

    @Test
    void purgeAnswered202IsInTheLogWithItsPendingAckAfterTheProcessIsKilled() throws Exception {
        Path config = dir.resolve("cp.yml");
        Files.writeString(config, """
                listen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read, purge]}
                  - {name: edges, token: %s, scopes: [node]}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                """.formatted(dir.resolve("data"), OPS, NODE));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                ControlPlaneChild.class.getName(), config.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader output = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8));
            String api = null;
            for (int i = 0; i < 200 && api == null; i++) { // bounded: the child prints a few log lines first
                String line = output.readLine();
                assertThat(line).as("child output ended before it printed its address").isNotNull();
                if (line.startsWith("api ")) {
                    api = line.substring(4);
                }
            }
            assertThat(api).isNotNull();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            // an edge without an admin URL: the purge has a delivery for it that cannot be acked
            assertThat(post(http, api + "/api/v1/nodes/register", NODE, "{\"id\":\"eu-1\",\"kind\":\"edge\","
                    + "\"region\":\"eu\",\"publicUrl\":\"http://127.0.2.1:8080\",\"cacheEmpty\":true}").statusCode())
                    .isEqualTo(200);
            HttpResponse<String> accepted = post(http, api + "/api/v1/purges", OPS,
                    "{\"urls\":[\"http://www.example.com/app.js\"],\"soft\":true}");
            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(accepted.body()).contains("\"id\":\"p-1\"");
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        try (InvalidationLog log = InvalidationLog.open(dir.resolve("data"), Clock.systemUTC())) {
            LoggedEntry entry = log.entry(1).orElseThrow();
            assertThat(entry.entry().kind()).isEqualTo(Kind.PURGE);
            assertThat(entry.entry().urls()).containsExactly("http://www.example.com/app.js");
            assertThat(entry.entry().soft()).isTrue();
            assertThat(log.deliveries(1)).extracting(Delivery::node).containsExactly("eu-1");
            assertThat(log.deliveries(1).get(0).state()).isNotEqualTo(Delivery.State.APPLIED);
            assertThat(log.lastSequence()).isEqualTo(1);
        }
    }

    private static HttpResponse<String> post(HttpClient http, String url, String token, String json)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
