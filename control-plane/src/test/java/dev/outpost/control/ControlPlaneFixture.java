package dev.outpost.control;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.testkit.BoundClients;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.ManualClock;
import dev.outpost.testkit.ThreeRegions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import tools.jackson.databind.JsonNode;

/**
 * A real control plane on 127.0.0.1:0 over a sqlite file in a temp directory, three regions (us 127.0.1.0/24, eu
 * 127.0.2.0/24, ap 127.0.3.0/24), a moved-by-hand clock, fake edges, and an HTTP client that speaks its API.
 * {@link #restart()} closes it and starts a new one on the same data directory.
 */
public final class ControlPlaneFixture implements AutoCloseable {
    public static final String OPS = "ops-token-0123456789";
    public static final String READER = "read-token-0123456789";
    public static final String NODE = "node-token-0123456789";
    public static final String ADMIN = "admin-token-0123456789";
    /** May empty whole hosts and everything (scope purge:all). */
    public static final String PURGE_ALL = "purge-all-token-0123456789";
    public static final String EDGE_SECRET = "edge-admin-secret-0123";
    /** May only read the steering state (scope steering): a steering replica's token. */
    public static final String STEERING = "steering-token-0123456789";

    /** May change delivery services (scope config) and read. */
    public static final String CONFIG = "config-token-0123456789";
    public static final String ENROLL = "enroll-token-0123456789";

    public final ManualClock clock;
    private final ControlPlaneConfig config;
    private final List<FakeEdge> edges = new ArrayList<>();
    // the read timeout as long as the call's: OkHttp's default 10 s cut a ?wait=15s short, so a purge the test gave
    // 15 s to complete failed after 10 (SeveralControlPlanesIT)
    private final OkHttpClient http = new OkHttpClient.Builder().followRedirects(false)
            .callTimeout(Duration.ofSeconds(20)).readTimeout(Duration.ofSeconds(20)).build();
    private ControlPlane plane;

    public ControlPlaneFixture(Path data) {
        this(data, "");
    }

    /** {@code extraYaml} adds top-level keys to the config (an {@code origins:} there replaces the default one). */
    public ControlPlaneFixture(Path data, String extraYaml) {
        this(data, extraYaml, java.time.Instant.parse("2026-01-01T00:00:00Z"));
    }

    /** Starting the clock at the real now lets certificates the control plane issues pass real TLS handshakes. */
    public ControlPlaneFixture(Path data, String extraYaml, java.time.Instant clockStart) {
        clock = new ManualClock(clockStart);
        String yaml = """
                listen: 127.0.0.1:0
                steeringListen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read, purge, push]}
                  - {name: reader, token: %s, scopes: [read]}
                  - {name: edges, token: %s, scopes: [node]}
                  - {name: root, token: %s, scopes: [admin]}
                  - {name: emptier, token: %s, scopes: [read, "purge:all"]}
                  - {name: replicas, token: %s, scopes: [steering]}
                  - {name: configurer, token: %s, scopes: [read, config]}
                  - {name: enroller, token: %s, scopes: [enroll]}
                edgeToken: %s
                heartbeat: {interval: 1s, timeout: 3s}
                %smaxUrlsPerCall: 5
                origins: [{id: primary, hosts: [www.example.com, static.example.com]}]
                delivery: {retryInitial: 1h, retryMax: 1h, fenceAfter: 1h}
                """.formatted(data, OPS, READER, NODE, ADMIN, PURGE_ALL, STEERING, CONFIG, ENROLL, EDGE_SECRET, ThreeRegions.CONTROL_PLANE_YAML);
        // a top-level key of extraYaml replaces the default one-line key of the same name (duplicate keys are refused);
        // tests of retries and fencing set their own delivery (the default here: neither happens within a test)
        java.util.regex.Matcher keys = java.util.regex.Pattern.compile("(?m)^([A-Za-z]+):").matcher(extraYaml);
        while (keys.find()) {
            yaml = yaml.replaceAll("(?m)^" + keys.group(1) + ":.*\n", "");
        }
        yaml += extraYaml;
        config = ConfigFiles.parse("cp.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class);
        plane = ControlPlane.start(config, clock);
    }

    public ControlPlane plane() {
        return plane;
    }

    public void restart() {
        plane.close();
        plane = ControlPlane.start(config, clock);
    }

    /** Starts a fake edge and registers it through the API (with an empty cache). */
    public FakeEdge edge(String id, String region) throws IOException {
        FakeEdge edge = new FakeEdge(id, region);
        edges.add(edge);
        register(edge);
        return edge;
    }

    /** Starts a fake edge with role shield and registers it through the API (with an empty cache). */
    public FakeEdge shield(String id, String region) throws IOException {
        FakeEdge shield = new FakeEdge(id, region, dev.outpost.common.wire.NodeRegistration.Role.SHIELD);
        edges.add(shield);
        register(shield);
        return shield;
    }

    public void register(FakeEdge edge) {
        HttpReply reply = post("/api/v1/nodes/register", NODE, new String(Json.bytes(edge.registration()), UTF_8));
        if (reply.status() != 200) {
            throw new IllegalStateException("registration failed: " + reply);
        }
        edge.registered(reply.json().get("appliedSequence").asLong());
    }

    /**
     * Registers an edge clients reach at {@code publicUrl} with an empty cache, through the API; nothing listens on
     * its admin URL, so it suits tests that only steer (no purge is pushed to it).
     */
    public void registerEdge(String id, String region, String publicUrl) {
        HttpReply reply = post("/api/v1/nodes/register", NODE, """
                {"id":"%s","kind":"edge","region":"%s","publicUrl":"%s","adminUrl":"http://127.0.0.1:9",
                 "appliedSequence":0,"cacheEmpty":true}""".formatted(id, region, publicUrl));
        if (reply.status() != 200) {
            throw new IllegalStateException("registration failed: " + reply);
        }
    }

    /** A heartbeat of a {@link #registerEdge} edge reporting its load: requests in flight and response time. */
    public HttpReply heartbeat(String id, long activeRequests, double responseMillis) {
        return post("/api/v1/nodes/" + id + "/heartbeat", NODE, ("{\"requests\":10,\"hitRatio\":0.5,"
                + "\"bytesCached\":100,\"appliedSequence\":0,\"activeRequests\":%d,\"responseMillis\":%s}")
                .formatted(activeRequests, responseMillis));
    }

    /** Sends a heartbeat reporting the edge's applied sequence and returns the reply. */
    public HttpReply heartbeat(FakeEdge edge) {
        return post("/api/v1/nodes/" + edge.id() + "/heartbeat", NODE,
                "{\"requests\":10,\"hitRatio\":0.5,\"bytesCached\":100,\"appliedSequence\":" + edge.applied() + "}");
    }

    /** A heartbeat whose catch-up entries the edge applies, then reports. */
    public void heartbeatAndCatchUp(FakeEdge edge) {
        HttpReply reply = heartbeat(edge);
        List<dev.outpost.common.wire.InvalidationEntry> entries = new ArrayList<>();
        for (JsonNode entry : reply.json().get("entries")) {
            entries.add(Json.mapper().treeToValue(entry, dev.outpost.common.wire.InvalidationEntry.class));
        }
        edge.applyCatchUp(entries);
        heartbeat(edge);
    }

    public HttpReply get(String path, String token) {
        return call(new Request.Builder().url(plane.apiUri() + path), token, http);
    }

    public HttpReply post(String path, String token, String json) {
        return call(new Request.Builder().url(plane.apiUri() + path)
                .post(RequestBody.create(json.getBytes(UTF_8), MediaType.get("application/json"))), token, http);
    }

    /** A PUT of a JSON body with extra request headers (name, value pairs), e.g. If-Match. */
    public HttpReply put(String path, String token, String json, String... headers) {
        Request.Builder request = new Request.Builder().url(plane.apiUri() + path)
                .put(RequestBody.create(json.getBytes(UTF_8), MediaType.get("application/json")));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return call(request, token, http);
    }

    /** A DELETE with extra request headers (name, value pairs), e.g. If-Match. */
    public HttpReply delete(String path, String token, String... headers) {
        Request.Builder request = new Request.Builder().url(plane.apiUri() + path).delete();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return call(request, token, http);
    }

    /** A GET on the steering listener from a client bound to {@code clientAddress} (any 127.x address works). */
    public HttpReply steer(String clientAddress, String pathAndQuery) {
        // its own connection pool: a pooled connection from another client address must not be reused
        OkHttpClient bound = BoundClients.from(clientAddress, http);
        URI base = plane.steeringUri().orElseThrow();
        try {
            return call(new Request.Builder().url(base + pathAndQuery).header("Host", "www.example.com"), null, bound);
        } finally {
            bound.connectionPool().evictAll();
        }
    }

    public HttpReply call(Request.Builder request, String token, OkHttpClient client) {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpReply.call(client, request.build());
    }

    public OkHttpClient http() {
        return http;
    }

    @Override
    public void close() {
        plane.close();
        edges.forEach(FakeEdge::close);
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
