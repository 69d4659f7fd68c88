package dev.outpost.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.AdminConfig;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 6's control-plane purge number: the time from a purge's API call until the control plane reports it
 * {@code complete} on six edges. One JVM on loopback: a real control plane (sqlite in a temp directory, heartbeat
 * interval as in production unless told otherwise, so the number is the live push and not a heartbeat) and six
 * real edges registered with it, each with an admin listener the control plane pushes to. The client submits
 * {@code POST /api/v1/purges} and then blocks on {@code GET /api/v1/purges/{id}?wait=10s}; one purge at a time, a
 * bounded number of them, the first {@code --warmup} not recorded.
 *
 * <p>Prints one JSON line: count, p50/p99/max of API call → complete (client clock), the same for the control
 * plane's own {@code timeToLastAckMillis}, and how many were not complete within the wait. Run with
 * {@code java -cp bench/target/benchmarks.jar dev.outpost.bench.SixEdgePurge [--purges N] [--warmup N]
 * [--heartbeat-millis N]}.
 */
public final class SixEdgePurge {
    static final String HOST = "www.example.test";
    static final String OPS = "ops-token-0123456789";
    private static final String NODE = "node-token-0123456789";
    private static final String EDGE_ADMIN = "edge-admin-token-0123456789";
    static final List<String> EDGES = List.of("us-1", "us-2", "eu-1", "eu-2", "ap-1", "ap-2");
    private static final int MAX_PURGES = 10_000;
    static final MediaType JSON = MediaType.get("application/json");

    private SixEdgePurge() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, Integer> options = options(args);
        int purges = options.getOrDefault("purges", 200);
        int warmup = options.getOrDefault("warmup", 50);
        int heartbeatMillis = options.getOrDefault("heartbeat-millis", 5000);
        if (purges < 1 || purges > MAX_PURGES || warmup < 0 || warmup > MAX_PURGES) {
            throw new IllegalArgumentException("--purges 1.." + MAX_PURGES + ", --warmup 0.." + MAX_PURGES);
        }
        Path dir = Files.createTempDirectory("outpost-purge-bench");
        OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false)
                .callTimeout(Duration.ofSeconds(30)).build();
        List<EdgeNode> edges = new ArrayList<>();
        try (ControlPlane plane = ControlPlane.start(planeConfig(dir, heartbeatMillis), Clock.systemUTC())) {
            try {
                for (String id : EDGES) {
                    edges.add(EdgeNode.start(edgeConfig(id, plane.apiUri(), heartbeatMillis)));
                }
                awaitSteerable(http, plane.apiUri(), Duration.ofSeconds(30));
                measure(http, plane.apiUri(), warmup, false);
                System.out.println(Json.mapper().writeValueAsString(measure(http, plane.apiUri(), purges, true)));
            } finally {
                edges.forEach(EdgeNode::close);
            }
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
            deleteTree(dir);
        }
    }

    /** Runs {@code count} purges one after the other; answers the summary when {@code record}. */
    private static ObjectNode measure(OkHttpClient http, URI api, int count, boolean record) throws IOException {
        double[] clientMillis = new double[count];
        double[] planeMillis = new double[count];
        int incomplete = 0;
        for (int i = 0; i < count; i++) {
            String body = "{\"urls\":[\"http://" + HOST + "/purge-bench/" + (record ? "r" : "w") + i + ".js\"]}";
            long start = System.nanoTime();
            JsonNode accepted = call(http, new Request.Builder().url(api + "/api/v1/purges")
                    .post(RequestBody.create(body.getBytes(UTF_8), JSON)), 202);
            JsonNode status = call(http, new Request.Builder()
                    .url(api + "/api/v1/purges/" + accepted.get("id").asString() + "?wait=10s"), 200);
            clientMillis[i] = (System.nanoTime() - start) / 1e6;
            planeMillis[i] = status.path("timeToLastAckMillis").asDouble(Double.NaN);
            if (!"complete".equals(status.get("status").asString())
                    || status.get("edgesApplied").asInt() != EDGES.size()) {
                incomplete++;
            }
        }
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("purges", count).put("edges", EDGES.size()).put("incomplete", incomplete);
        summarize(out, "client_", clientMillis);
        summarize(out, "plane_", planeMillis);
        return out;
    }

    static void summarize(ObjectNode out, String prefix, double[] millis) {
        double[] sorted = Arrays.stream(millis).filter(m -> !Double.isNaN(m)).sorted().toArray();
        if (sorted.length == 0) {
            return;
        }
        out.put(prefix + "p50_ms", round(percentile(sorted, 50)));
        out.put(prefix + "p99_ms", round(percentile(sorted, 99)));
        out.put(prefix + "max_ms", round(sorted[sorted.length - 1]));
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double round(double millis) {
        return Math.round(millis * 100) / 100.0;
    }

    static JsonNode call(OkHttpClient http, Request.Builder request, int expected) throws IOException {
        try (Response response = http.newCall(request.header("Authorization", "Bearer " + OPS).build()).execute()) {
            String body = response.body().string();
            if (response.code() != expected) {
                throw new IllegalStateException(request.build().url() + " answered " + response.code() + ": " + body);
            }
            return Json.mapper().readTree(body);
        }
    }

    /** Until every edge is registered, healthy and caught up (a purge then goes out live to all six). */
    static void awaitSteerable(OkHttpClient http, URI api, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode nodes = call(http, new Request.Builder().url(api + "/api/v1/nodes"), 200).get("nodes");
            int ready = 0;
            for (JsonNode node : nodes) {
                if (node.get("healthy").asBoolean() && node.get("caughtUp").asBoolean()) {
                    ready++;
                }
            }
            if (ready == EDGES.size()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the six edges were not all healthy within " + patience);
    }

    static ControlPlaneConfig planeConfig(Path dir, int heartbeatMillis) {
        String yaml = """
                listen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read, purge, config]}
                  - {name: nodes, token: %s, scopes: [node]}
                edgeToken: %s
                heartbeat: {interval: %dms}
                regions:
                  - {name: us, cidrs: [127.0.1.0/24]}
                  - {name: eu, cidrs: [127.0.2.0/24]}
                  - {name: ap, cidrs: [127.0.3.0/24]}
                rateLimits: {purgesPerMinute: 60000}
                """.formatted(dir.resolve("control-plane"), OPS, NODE, EDGE_ADMIN, heartbeatMillis);
        return ConfigFiles.parse("purge-bench.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class);
    }

    /** An edge whose origin is never asked (the purged URLs are not cached; applying a purge is the work). */
    static EdgeConfig edgeConfig(String id, URI plane, int heartbeatMillis) {
        DeliveryService service = DeliveryService.of("site", List.of(HOST),
                List.of(URI.create("http://127.0.0.1:9")));
        ControlPlaneLinkConfig link = ControlPlaneLinkConfig.of(plane, NODE)
                .withTimings(Duration.ofMillis(heartbeatMillis), Duration.ofMillis(Math.max(heartbeatMillis, 1000)));
        return EdgeConfig.of(id, "127.0.0.1:0", service).withRegion(id.substring(0, 2))
                .withAdmin(new AdminConfig("127.0.0.1:0", EDGE_ADMIN)).withControlPlane(link);
    }

    static Map<String, Integer> options(String[] args) {
        Map<String, Integer> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: [--purges N] [--warmup N] [--heartbeat-millis N]");
            }
            options.put(args[i].substring(2), Integer.parseInt(args[++i]));
        }
        return options;
    }

    static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
