package dev.outpost.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.controlplane.ControlPlanes;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.AdminConfig;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.testkit.LogRecords;
import dev.outpost.testkit.PostgresServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real control planes on one PostgreSQL database and a real edge given both ({@code controlPlane.urls}): the edge
 * registers with the first; once that one is stopped, the edge goes on with the second, and a purge accepted by the
 * second reaches it. The origin is a counting stand-in at the edge of the system.
 */
class TwoControlPlanesIT {
    private static final String OPS = "ops-token-0123456789";
    private static final String NODE = "node-token-0123456789";
    private static final String EDGE_ADMIN = "edge-admin-token-0123456789";

    @TempDir
    Path data;
    private final AtomicInteger originFetches = new AtomicInteger();
    private com.sun.net.httpserver.HttpServer origin;
    private ControlPlane first;
    private ControlPlane second;
    private EdgeNode edge;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final okhttp3.OkHttpClient client = new okhttp3.OkHttpClient.Builder().retryOnConnectionFailure(false)
            .callTimeout(Duration.ofSeconds(10)).build();

    private ControlPlane controlPlane(String name, String database) {
        String yaml = """
                listen: 127.0.0.1:0
                data: %s
                store: {engine: postgresql, url: "%s", user: %s, poolSize: 2}
                tokens:
                  - {name: ops, token: %s, scopes: [read, purge, push]}
                  - {name: nodes, token: %s, scopes: [node]}
                edgeToken: %s
                heartbeat: {interval: 200ms, timeout: 1500ms}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                defaultRegion: eu
                """.formatted(data.resolve(name), database, PostgresServer.USER, OPS, NODE, EDGE_ADMIN);
        return ControlPlane.start(ConfigFiles.parse(name + ".yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class),
                Clock.systemUTC());
    }

    @BeforeEach
    void start() throws IOException {
        origin = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        origin.createContext("/", exchange -> {
            originFetches.incrementAndGet();
            byte[] body = "console.log(1)".getBytes(UTF_8);
            exchange.getResponseHeaders().add("Cache-Control", "max-age=600");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        origin.start();
        String database = PostgresServer.shared().createDatabase("failover");
        first = controlPlane("cp-1", database);
        second = controlPlane("cp-2", database);
        DeliveryService site = DeliveryService.of("site", List.of("www.example.test"),
                List.of(URI.create("http://127.0.0.1:" + origin.getAddress().getPort())));
        ControlPlaneLinkConfig link = ControlPlaneLinkConfig.of(List.of(first.apiUri(), second.apiUri()), NODE)
                .withTimings(Duration.ofMillis(200), Duration.ofSeconds(1));
        edge = EdgeNode.start(EdgeConfig.of("eu-1", "127.0.0.1:0", site).withRegion("eu")
                .withAdmin(new AdminConfig("127.0.0.1:0", EDGE_ADMIN)).withControlPlane(link));
    }

    @AfterEach
    void stop() {
        if (edge != null) {
            edge.close();
        }
        first.close();
        second.close();
        origin.stop(0);
        client.connectionPool().evictAll();
        client.dispatcher().executorService().shutdown();
    }

    private int get(String path) throws Exception {
        okhttp3.Request request = new okhttp3.Request.Builder().url(edge.baseUri() + path)
                .header("Host", "www.example.test").build();
        try (okhttp3.Response response = client.newCall(request).execute()) {
            return response.code();
        }
    }

    private int purgeOn(ControlPlane plane, String url) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(plane.apiUri() + "/api/v1/purges"))
                .header("Authorization", "Bearer " + OPS).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"urls\":[\"" + url + "\"]}"))
                .timeout(Duration.ofSeconds(10)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void anEdgeRegisteredWithTheFirstGoesOnWithTheSecondAndAppliesAPurgeAcceptedThere() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> edge.controlPlaneLink().orElseThrow().registered());
        assertThat(get("/app.js")).isEqualTo(200);
        assertThat(get("/app.js")).isEqualTo(200);
        assertThat(originFetches.get()).as("the second answer came from the cache").isEqualTo(1);

        try (LogRecords switches = LogRecords.of(ControlPlanes.class)) {
            first.close();
            await().atMost(Duration.ofSeconds(20)).until(() -> switches.messages().stream().anyMatch(
                    l -> l.startsWith("edge eu-1: control plane switched: from=" + first.apiUri() + " to="
                            + second.apiUri())));
        }
        assertThat(purgeOn(second, "http://www.example.test/app.js")).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).until(() -> edge.controlPlaneLink().orElseThrow().appliedSequence()
                >= 1);
        assertThat(get("/app.js")).isEqualTo(200);
        assertThat(originFetches.get()).as("purged: fetched again from the origin").isEqualTo(2);
        assertThat(edge.controlPlaneLink().orElseThrow().registered()).isTrue();
    }
}
