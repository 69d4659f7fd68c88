package dev.outpost.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.edge.config.EdgeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * An edge that is stopped says goodbye: the control plane marks it unhealthy (and steers no client to it) at once,
 * not after its heartbeat timeout of a minute; started again, it is healthy again. A real control plane and a real
 * edge on 127.0.0.1:0.
 */
class EdgeLeavesIT {
    private static final String OPS = "ops-token-0123456789";
    private static final String NODE = "node-token-0123456789";

    @TempDir
    Path data;
    private ControlPlane plane;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (plane != null) {
            plane.close();
        }
        http.close();
    }

    private EdgeNode startEdge() {
        DeliveryService site = DeliveryService.of("site", List.of("www.example.test"),
                List.of(URI.create("http://127.0.0.1:9")));
        ControlPlaneLinkConfig link = ControlPlaneLinkConfig.of(plane.apiUri(), NODE)
                .withTimings(Duration.ofMillis(200), Duration.ofSeconds(1));
        return EdgeNode.start(EdgeConfig.of("eu-1", "127.0.0.1:0", site).withRegion("eu").withControlPlane(link));
    }

    /** The edge's row of {@code GET /api/v1/nodes}: whether the control plane counts it healthy now. */
    private boolean healthy() throws Exception {
        return state().equals("healthy");
    }

    /** {@code healthy}, {@code unhealthy}, or {@code absent} before the edge registered. */
    private String state() throws Exception {
        HttpResponse<String> nodes = http.send(HttpRequest.newBuilder(URI.create(plane.apiUri() + "/api/v1/nodes"))
                .header("Authorization", "Bearer " + OPS).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(nodes.statusCode()).isEqualTo(200);
        JsonNode body = Json.mapper().readTree(nodes.body());
        JsonNode list = body.isArray() ? body : body.get("nodes");
        for (JsonNode node : list) {
            if (node.get("id").asString().equals("eu-1")) {
                return node.get("healthy").asBoolean() ? "healthy" : "unhealthy";
            }
        }
        return "absent";
    }

    @Test
    void aStoppedEdgeIsUnhealthyAtOnceNotAfterItsHeartbeatTimeout() throws Exception {
        String yaml = """
                listen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read]}
                  - {name: nodes, token: %s, scopes: [node]}
                heartbeat: {interval: 200ms, timeout: 60s}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                defaultRegion: eu
                """.formatted(data, OPS, NODE);
        plane = ControlPlane.start(ConfigFiles.parse("cp.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class),
                Clock.systemUTC());
        EdgeNode edge = startEdge();
        try {
            await().atMost(Duration.ofSeconds(20)).until(this::healthy);
        } finally {
            edge.close();
        }
        assertThat(state()).as("said goodbye as it stopped: unhealthy now, though its heartbeat timeout is 60 s")
                .isEqualTo("unhealthy");

        EdgeNode again = startEdge();
        try {
            await().atMost(Duration.ofSeconds(20)).until(this::healthy);
        } finally {
            again.close();
        }
    }
}
