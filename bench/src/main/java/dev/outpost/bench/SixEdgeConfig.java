package dev.outpost.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.outpost.common.http.accesslog.AccessLogSettings;
import dev.outpost.common.json.Json;
import dev.outpost.control.ControlPlane;
import dev.outpost.edge.EdgeNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 16's propagation number: the time from a delivery-service change's API call until the control plane reports
 * its config entry applied on all six edges, measured beside a purge's in the same setup as {@link SixEdgePurge}
 * (one JVM on loopback, a real control plane, six real edges pushed to live). Each round is one purge then one
 * service change, one at a time: {@code PUT /api/v1/services/site} (with {@code If-Match}) alternating the
 * service's request-header rule, so every change is a new version the edges must swap in (and, as the header policy
 * shapes cached objects, the control plane logs a host purge right after it, which is not timed here), then
 * {@code GET /api/v1/services/site/versions/{v}?wait=10s}.
 *
 * <p>Prints one JSON line: rounds, and for purges and config changes each the p50/p99/max of API call → applied on
 * all six (client clock), the control plane's own {@code timeToLastAckMillis}, and how many were not complete within
 * the wait. Run with {@code java -cp bench/target/benchmarks.jar dev.outpost.bench.SixEdgeConfig [--rounds N]
 * [--warmup N] [--heartbeat-millis N]}.
 */
public final class SixEdgeConfig {
    private static final int MAX_ROUNDS = 10_000;

    private SixEdgeConfig() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, Integer> options = SixEdgePurge.options(args);
        int rounds = options.getOrDefault("rounds", 200);
        int warmup = options.getOrDefault("warmup", 50);
        int heartbeatMillis = options.getOrDefault("heartbeat-millis", 5000);
        if (rounds < 1 || rounds > MAX_ROUNDS || warmup < 0 || warmup > MAX_ROUNDS) {
            throw new IllegalArgumentException("--rounds 1.." + MAX_ROUNDS + ", --warmup 0.." + MAX_ROUNDS);
        }
        Path dir = Files.createTempDirectory("outpost-config-bench");
        OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false)
                .callTimeout(Duration.ofSeconds(30)).build();
        List<EdgeNode> edges = new ArrayList<>();
        try (ControlPlane plane = ControlPlane.start(SixEdgePurge.planeConfig(dir, heartbeatMillis),
                Clock.systemUTC())) {
            try {
                for (String id : SixEdgePurge.EDGES) {
                    // no access log: its lines would share stdout with the one JSON line
                    edges.add(EdgeNode.start(SixEdgePurge.edgeConfig(id, plane.apiUri(), heartbeatMillis)
                            .withAccessLog(AccessLogSettings.DEFAULTS.withDestination("none"))));
                }
                SixEdgePurge.awaitSteerable(http, plane.apiUri(), Duration.ofSeconds(30));
                Rounds state = new Rounds(http, plane.apiUri());
                state.run(warmup, false);
                System.out.println(Json.mapper().writeValueAsString(state.run(rounds, true)));
            } finally {
                edges.forEach(EdgeNode::close);
            }
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
            SixEdgePurge.deleteTree(dir);
        }
    }

    /** The rounds, and the service's current version (its ETag for the next change). */
    private static final class Rounds {
        private final OkHttpClient http;
        private final URI api;
        private long version;
        private int changes;

        Rounds(OkHttpClient http, URI api) {
            this.http = http;
            this.api = api;
        }

        ObjectNode run(int count, boolean record) throws Exception {
            double[] purgeClient = new double[count];
            double[] purgePlane = new double[count];
            double[] configClient = new double[count];
            double[] configPlane = new double[count];
            int purgesIncomplete = 0;
            int configsIncomplete = 0;
            for (int i = 0; i < count; i++) {
                String purge = "{\"urls\":[\"http://" + SixEdgePurge.HOST + "/config-bench/" + (record ? "r" : "w")
                        + i + ".js\"]}";
                long start = System.nanoTime();
                JsonNode accepted = SixEdgePurge.call(http, new Request.Builder().url(api + "/api/v1/purges")
                        .post(RequestBody.create(purge.getBytes(UTF_8), SixEdgePurge.JSON)), 202);
                JsonNode status = SixEdgePurge.call(http, new Request.Builder()
                        .url(api + "/api/v1/purges/" + accepted.get("id").asString() + "?wait=10s"), 200);
                purgeClient[i] = (System.nanoTime() - start) / 1e6;
                purgePlane[i] = status.path("timeToLastAckMillis").asDouble(Double.NaN);
                purgesIncomplete += complete(status) ? 0 : 1;

                start = System.nanoTime();
                JsonNode progress = change();
                configClient[i] = (System.nanoTime() - start) / 1e6;
                configPlane[i] = progress.path("timeToLastAckMillis").asDouble(Double.NaN);
                configsIncomplete += complete(progress) ? 0 : 1;
            }
            ObjectNode out = Json.mapper().createObjectNode();
            out.put("rounds", count).put("edges", SixEdgePurge.EDGES.size())
                    .put("purges_incomplete", purgesIncomplete).put("configs_incomplete", configsIncomplete);
            SixEdgePurge.summarize(out, "purge_client_", purgeClient);
            SixEdgePurge.summarize(out, "purge_plane_", purgePlane);
            SixEdgePurge.summarize(out, "config_client_", configClient);
            SixEdgePurge.summarize(out, "config_plane_", configPlane);
            return out;
        }

        /** One service change, timed until the version's config entry is applied everywhere; its progress. */
        private JsonNode change() throws Exception {
            String header = "x-bench-" + (changes++ % 2 == 0 ? "a" : "b");
            String definition = "{\"hosts\":[\"" + SixEdgePurge.HOST + "\"],\"origins\":[\"http://127.0.0.1:9\"],"
                    + "\"requestHeaders\":{\"forward\":\"all\",\"drop\":[\"" + header + "\"]}}";
            Request.Builder put = new Request.Builder().url(api + "/api/v1/services/site")
                    .put(RequestBody.create(definition.getBytes(UTF_8), SixEdgePurge.JSON));
            put.header(version == 0 ? "If-None-Match" : "If-Match", version == 0 ? "*" : "\"" + version + "\"");
            JsonNode changed = SixEdgePurge.call(http, put, version == 0 ? 201 : 200);
            version = changed.get("version").asLong();
            return SixEdgePurge.call(http, new Request.Builder()
                    .url(api + "/api/v1/services/site/versions/" + version + "?wait=10s"), 200).get("progress");
        }

        private static boolean complete(JsonNode status) {
            return "complete".equals(status.path("status").asString())
                    && status.path("edgesApplied").asInt() == SixEdgePurge.EDGES.size();
        }
    }
}
