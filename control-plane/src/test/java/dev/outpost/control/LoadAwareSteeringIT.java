package dev.outpost.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The load edges report in their heartbeats reaches the load-aware policies through the real API: eu steers by
 * least connections, ap by least response time, and the route JSON names the policy and the figures it used.
 */
class LoadAwareSteeringIT {
    @TempDir
    Path dir;
    private ControlPlaneFixture cp;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(dir, """
                balancing: {regions: {eu: least-connections, ap: least-response-time}}
                """);
        cp.registerEdge("eu-1", "eu", "http://127.0.2.1:8080");
        cp.registerEdge("eu-2", "eu", "http://127.0.2.2:8080");
        cp.registerEdge("ap-1", "ap", "http://127.0.3.1:8080");
        cp.registerEdge("ap-2", "ap", "http://127.0.3.2:8080");
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    private JsonNode route(String client, String path) {
        HttpReply reply = cp.get("/api/v1/route?url=http://www.example.com" + path + "&client=" + client,
                ControlPlaneFixture.READER);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    @Test
    void theEdgeWithFewerRequestsInFlightGetsTheTrafficUntilItReportsMore() {
        cp.heartbeat("eu-1", 12, 5);
        cp.heartbeat("eu-2", 2, 5);
        for (String path : new String[] {"/a", "/b", "/c", "/d"}) {
            JsonNode route = route("127.0.2.9", path);
            assertThat(route.get("chosen").asString()).isEqualTo("eu-2");
            assertThat(route.get("policy").asString()).isEqualTo("least-connections");
            assertThat(route.get("inputs").get("activeRequests").asString()).isEqualTo("eu-1=12,eu-2=2");
        }
        cp.heartbeat("eu-2", 30, 5);
        assertThat(route("127.0.2.9", "/a").get("chosen").asString()).isEqualTo("eu-1");
    }

    @Test
    void theEdgeAnsweringFasterGetsTheTraffic() {
        cp.heartbeat("ap-1", 0, 180.5);
        cp.heartbeat("ap-2", 0, 4.25);
        JsonNode route = route("127.0.3.9", "/a");
        assertThat(route.get("chosen").asString()).isEqualTo("ap-2");
        assertThat(route.get("policy").asString()).isEqualTo("least-response-time");
        assertThat(route.get("inputs").get("responseMillis").asString()).isEqualTo("ap-1=180.5ms,ap-2=4.3ms");
        assertThat(route.get("ranked").get(1).asString()).isEqualTo("ap-1");
    }

    @Test
    void aHeartbeatWithANegativeLoadIsRefused() {
        HttpReply reply = cp.post("/api/v1/nodes/eu-1/heartbeat", ControlPlaneFixture.NODE,
                "{\"requests\":0,\"hitRatio\":0,\"bytesCached\":0,\"appliedSequence\":0,\"activeRequests\":-1}");
        assertThat(reply.status()).isEqualTo(400);
    }
}
