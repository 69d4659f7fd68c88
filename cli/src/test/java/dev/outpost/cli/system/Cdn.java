package dev.outpost.cli.system;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.AdminConfig;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.edge.config.DiskConfig;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import dev.outpost.origin.content.PathRule;
import dev.outpost.testkit.BoundClients;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.ThreeRegions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;

/**
 * The whole CDN in one JVM, on loopback: a real control plane (sqlite in a temp dir), a real origin announcing its
 * changes to it, and six real edges in three regions (us, eu, ap), each registered and heartbeating every 200 ms.
 * Each edge reaches the control plane, and is reached by it, through a {@link CuttableLink}, so a test can
 * partition one. Edges and the control plane can be stopped and started again on the same ports (and data dir).
 */
final class Cdn implements AutoCloseable {
    static final String HOST = "www.example.test";
    static final String OPS = "ops-token-0123456789";
    static final String NODE = "node-token-0123456789";
    static final String EDGE_ADMIN = "edge-admin-token-0123456789";
    static final String ORIGIN_API = "origin-api-token-0123";
    static final List<String> EDGES = List.of("us-1", "us-2", "eu-1", "eu-2", "ap-1", "ap-2");
    static final Duration PATIENCE = Duration.ofSeconds(20);

    private final Path dir;
    private final boolean edgeDisks;
    private final String extraPlaneYaml;
    private final java.util.function.UnaryOperator<ControlPlaneLinkConfig> adjustLink;
    private final OkHttpClient http = new OkHttpClient.Builder().followRedirects(false)
            .retryOnConnectionFailure(false).callTimeout(Duration.ofSeconds(20)).build();
    private ControlPlaneConfig planeConfig;
    private ControlPlane plane;
    private final OriginNode origin;
    private final Map<String, Edge> edges = new LinkedHashMap<>();
    private final List<EdgeNode> extras = new java.util.ArrayList<>();

    /** One edge's slot: its config (fixed ports after the first start), the node when running, its links. */
    private static final class Edge {
        EdgeConfig config;
        Optional<EdgeNode> node = Optional.empty();
        final CuttableLink toControlPlane;
        final CuttableLink toAdmin = new CuttableLink(0);

        Edge(int planePort) {
            toControlPlane = new CuttableLink(planePort);
        }
    }

    Cdn(Path dir) throws IOException {
        this(dir, "", java.util.function.UnaryOperator.identity());
    }

    /**
     * @param extraPlaneYaml more control-plane config (e.g. a {@code delivery:} section)
     * @param adjustLink     changes to every edge's control-plane link (lease, backoff)
     */
    Cdn(Path dir, String extraPlaneYaml, java.util.function.UnaryOperator<ControlPlaneLinkConfig> adjustLink)
            throws IOException {
        this(dir, extraPlaneYaml, adjustLink, false);
    }

    /** A CDN whose edges each keep a disk tier in {@code dir/disk-<id>}, which survives their restarts. */
    static Cdn withEdgeDisks(Path dir) throws IOException {
        return new Cdn(dir, "", java.util.function.UnaryOperator.identity(), true);
    }

    private Cdn(Path dir, String extraPlaneYaml, java.util.function.UnaryOperator<ControlPlaneLinkConfig> adjustLink,
            boolean edgeDisks) throws IOException {
        this.edgeDisks = edgeDisks;
        this.dir = dir;
        this.extraPlaneYaml = extraPlaneYaml;
        this.adjustLink = adjustLink;
        ControlPlaneConfig first = planeConfig("127.0.0.1:0", Optional.empty());
        plane = ControlPlane.start(first, Clock.systemUTC());
        origin = OriginNode.start(originConfig());
        // Once the origin's address is known, the control plane comes back on its port with it (write-through
        // uploads need it); restarts must come back where the edges and the origin look for it.
        int port = plane.apiUri().getPort();
        plane.close();
        planeConfig = planeConfig("127.0.0.1:" + port, Optional.of(origin.baseUri()));
        plane = ControlPlane.start(planeConfig, Clock.systemUTC());
        for (String id : EDGES) {
            Edge edge = new Edge(plane.apiUri().getPort());
            edges.put(id, edge);
            edge.config = edgeConfig(id, "127.0.0.1:0", "127.0.0.1:0", edge);
            startEdge(id);
        }
        awaitEveryEdgeSteerable();
    }

    private ControlPlaneConfig planeConfig(String listen, Optional<URI> originUrl) {
        String yaml = """
                listen: %s
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read, "purge:all", push, config]}
                  - {name: nodes, token: %s, scopes: [node]}
                edgeToken: %s
                heartbeat: {interval: 200ms, timeout: 1500ms}
                %srateLimits: {purgesPerMinute: 6000, pushesPerMinute: 6000}
                origins: [{id: primary, hosts: [%s]%s}]
                """.formatted(listen, dir.resolve("control-plane"), OPS, NODE, EDGE_ADMIN,
                ThreeRegions.CONTROL_PLANE_YAML, HOST,
                originUrl.map(u -> ", url: \"" + u + "\", token: " + ORIGIN_API).orElse("")) + extraPlaneYaml;
        return ConfigFiles.parse("cp.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class);
    }

    private OriginConfig originConfig() throws IOException {
        Path site = Files.createDirectories(dir.resolve("site"));
        for (String path : List.of("app.js", "css/site.css", "css/print.css", "img/a.png", "img/b.png",
                "doc.html", "big.js")) {
            Path file = site.resolve(path);
            Files.createDirectories(file.getParent());
            Files.writeString(file, "content of /" + path);
        }
        List<PathRule> rules = List.of(
                new PathRule("/css/**", Optional.of("max-age=300"), List.of("css")),
                new PathRule("/**", Optional.of("max-age=300"), List.of("site")));
        URI events = URI.create(plane.apiUri() + "/api/v1/origin-events?origin=primary");
        OriginConfig.Notify notify = OriginConfig.Notify.to(events).withToken(NODE)
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).withTimeout(Duration.ofSeconds(2));
        return OriginConfig.of(site.toString()).withListen("127.0.0.1:0").withApiToken(ORIGIN_API)
                .withRules(rules, OriginConfig.Defaults.NONE).withNotify(notify);
    }

    private EdgeConfig edgeConfig(String id, String listen, String adminListen, Edge edge) {
        DeliveryService service = DeliveryService.of("site", List.of(HOST), List.of(origin.baseUri()));
        ControlPlaneLinkConfig link = adjustLink.apply(ControlPlaneLinkConfig.of(edge.toControlPlane.uri(), NODE)
                .withTimings(Duration.ofMillis(200), Duration.ofSeconds(1))
                .withAdvertised(Optional.empty(), Optional.of(edge.toAdmin.uri())));
        EdgeConfig config = EdgeConfig.of(id, listen, service).withRegion(id.substring(0, 2))
                .withAdmin(new AdminConfig(adminListen, EDGE_ADMIN)).withControlPlane(link);
        return edgeDisks ? config.withCache(config.cache().withDisk(
                DiskConfig.OFF.at(dir.resolve("disk-" + id), 64L * 1024 * 1024))) : config;
    }

    // ---- nodes

    EdgeNode edge(String id) {
        return edges.get(id).node.orElseThrow(() -> new IllegalStateException(id + " is stopped"));
    }

    /** Starts (or restarts, on the ports it had) an edge with an empty memory cache (its disk tier, if any, kept). */
    void startEdge(String id) {
        Edge edge = edges.get(id);
        EdgeNode node = EdgeNode.start(edge.config);
        edge.node = Optional.of(node);
        edge.toAdmin.target(node.adminUri().orElseThrow().getPort());
        edge.config = edgeConfig(id, "127.0.0.1:" + node.port(), "127.0.0.1:" + node.adminUri().get().getPort(),
                edge);
    }

    /**
     * Starts one more edge, without an admin listener, linked straight to the control plane: it can only get
     * entries from heartbeat replies. Closed with the CDN.
     */
    EdgeNode startEdgeWithoutAdmin(String id) {
        DeliveryService service = DeliveryService.of("site", List.of(HOST), List.of(origin.baseUri()));
        ControlPlaneLinkConfig link = ControlPlaneLinkConfig.of(plane.apiUri(), NODE)
                .withTimings(Duration.ofMillis(200), Duration.ofSeconds(1));
        EdgeNode node = EdgeNode.start(EdgeConfig.of(id, "127.0.0.1:0", service).withRegion(id.substring(0, 2))
                .withControlPlane(link));
        extras.add(node);
        return node;
    }

    void stopEdge(String id) {
        Edge edge = edges.get(id);
        edge.node.ifPresent(EdgeNode::close);
        edge.node = Optional.empty();
        http.connectionPool().evictAll(); // a pooled connection to the stopped edge must not meet its successor
    }

    /** Partitions the edge from the control plane, both ways; the edge keeps serving clients. */
    void cut(String id) {
        edges.get(id).toControlPlane.cut();
        edges.get(id).toAdmin.cut();
    }

    void heal(String id) {
        edges.get(id).toControlPlane.heal();
        edges.get(id).toAdmin.heal();
    }

    /** Heals only the control plane's way to the edge's admin API: the edge still cannot reach the control plane. */
    void healAdminOnly(String id) {
        edges.get(id).toAdmin.heal();
    }

    void stopControlPlane() {
        plane.close();
        http.connectionPool().evictAll();
    }

    /** Starts a new control plane on the same port and data directory. */
    void startControlPlane() {
        plane = ControlPlane.start(planeConfig, Clock.systemUTC());
    }

    URI apiUri() {
        return plane.apiUri();
    }

    // ---- clients

    /** A client's answer from an edge. */
    record Answer(int code, String xCache, String servedBy, String body) {
    }

    /** {@code GET path} on one edge, with the site's Host. */
    Answer get(String edgeId, String path) {
        return get(edge(edgeId), path);
    }

    /** {@code GET path} on one edge with another Host. */
    Answer get(String edgeId, String host, String path) {
        Request request = new Request.Builder().url(edge(edgeId).baseUri() + path).header("Host", host).build();
        try (Response response = http.newCall(request).execute()) {
            return new Answer(response.code(), response.header("X-Cache"), response.header("X-Served-By"),
                    response.body().string());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code GET path} on an edge this CDN does not name (see {@link #startEdgeWithoutAdmin}). */
    Answer get(EdgeNode edge, String path) {
        URI base = edge.baseUri();
        Request request = new Request.Builder().url(base + path).header("Host", HOST).build();
        try (Response response = http.newCall(request).execute()) {
            return new Answer(response.code(), response.header("X-Cache"), response.header("X-Served-By"),
                    response.body().string());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The origin's copy of {@code path} (under the site root) gets new content. */
    void changeAtOrigin(String path, String content) {
        try {
            Files.writeString(dir.resolve("site").resolve(path.substring(1)), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Requests {@code path} on every running edge until each holds it (the second answer is a HIT). */
    void warm(String path) {
        for (String id : running()) {
            get(id, path);
            assertThat(get(id, path).xCache()).as("%s %s warmed", id, path).isEqualTo("HIT");
        }
    }

    List<String> running() {
        return edges.entrySet().stream().filter(e -> e.getValue().node.isPresent()).map(Map.Entry::getKey)
                .toList();
    }

    HttpReply api(String method, String path, String json) {
        Request.Builder request = new Request.Builder().url(plane.apiUri() + path)
                .header("Authorization", "Bearer " + OPS)
                .method(method, json == null ? null : RequestBody.create(json.getBytes(UTF_8),
                        MediaType.get("application/json")));
        return HttpReply.call(http, request.build());
    }

    /** Submits a purge (or push, by path) and answers its id, after checking the 202. */
    String submit(String path, String json) {
        HttpReply reply = api("POST", path, json);
        assertThat(reply.status()).as(reply.body()).isEqualTo(202);
        return reply.json().get("id").asString();
    }

    String purge(String json) {
        return submit("/api/v1/purges", json);
    }

    /** The purge's (or push's) status after waiting up to 10 s for it to complete. */
    JsonNode awaitStatus(String id) {
        String kind = id.startsWith("push-") ? "pushes" : "purges";
        HttpReply reply = api("GET", "/api/v1/" + kind + "/" + id + "?wait=10s", null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    /** The purge's (or push's) status now. */
    JsonNode status(String id) {
        String kind = id.startsWith("push-") ? "pushes" : "purges";
        HttpReply reply = api("GET", "/api/v1/" + kind + "/" + id, null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    /** The status once no edge is {@code pending} any more: each applied it or is behind. */
    JsonNode awaitSettled(String id) {
        return await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> status(id),
                status -> !status.get("edges").toString().contains("\"pending\""));
    }

    JsonNode node(String id) {
        for (JsonNode node : api("GET", "/api/v1/nodes", null).json().get("nodes")) {
            if (node.get("id").asString().equals(id)) {
                return node;
            }
        }
        throw new AssertionError("no node " + id);
    }

    /** Registered, healthy and caught up; false while the node has not registered yet. */
    boolean steerable(String id) {
        boolean registered = false;
        for (JsonNode known : api("GET", "/api/v1/nodes", null).json().get("nodes")) {
            registered |= known.get("id").asString().equals(id);
        }
        if (!registered) {
            return false;
        }
        JsonNode node = node(id);
        return node.get("healthy").asBoolean() && node.get("caughtUp").asBoolean();
    }

    void awaitEveryEdgeSteerable() {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(running()).allMatch(this::steerable));
    }

    /** The steering decision for a client address, from {@code /api/v1/route}. */
    JsonNode route(String client, String path) {
        HttpReply reply = api("GET", "/api/v1/route?url=http://" + HOST + path + "&client=" + client, null);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    /** A plain GET on the steering port from a client bound to {@code clientAddress}: the 302 answer. */
    HttpReply steer(String clientAddress, String path) {
        OkHttpClient bound = BoundClients.from(clientAddress, http);
        try {
            return HttpReply.call(bound, new Request.Builder().url(plane.apiUri() + path).header("Host", HOST).build());
        } finally {
            bound.connectionPool().evictAll();
        }
    }

    /** A plain GET on the steering port through the trusted proxy (127.0.0.1) for a forwarded client. */
    HttpReply steerForwarded(String clientAddress, String path) {
        return HttpReply.call(http, new Request.Builder().url(plane.apiUri() + path).header("Host", HOST)
                .header("X-Forwarded-For", clientAddress).build());
    }

    /** A live push as the control plane sends it: {@code POST /_edge/purge} with a sequence, on the edge's admin. */
    HttpReply adminPurge(String edgeId, long sequence, String json) {
        return HttpReply.call(http, new Request.Builder().url(edge(edgeId).adminUri().orElseThrow() + "/_edge/purge")
                .header("Authorization", "Bearer " + EDGE_ADMIN)
                .header("X-Outpost-Sequence", Long.toString(sequence))
                .post(RequestBody.create(json.getBytes(UTF_8), MediaType.get("application/json"))).build());
    }

    /** The origin's own URL, as a service definition names it. */
    URI originUri() {
        return origin.baseUri();
    }

    /** {@code PUT /api/v1/services/{name}} with the definition, and {@code If-Match} when given. */
    HttpReply putService(String name, String definition, Optional<String> ifMatch) {
        Request.Builder request = new Request.Builder().url(plane.apiUri() + "/api/v1/services/" + name)
                .header("Authorization", "Bearer " + OPS)
                .put(RequestBody.create(definition.getBytes(UTF_8), MediaType.get("application/json")));
        ifMatch.ifPresent(tag -> request.header("If-Match", tag));
        return HttpReply.call(http, request.build());
    }

    /** {@code PUT /_origin/assets/{path}} on the origin's asset API. */
    HttpReply putAsset(String path, String content) {
        return HttpReply.call(http, new Request.Builder().url(origin.baseUri() + "/_origin/assets" + path)
                .header("Authorization", "Bearer " + ORIGIN_API)
                .put(RequestBody.create(content.getBytes(UTF_8), MediaType.get("text/plain"))).build());
    }

    @Override
    public void close() {
        for (String id : EDGES) {
            stopEdge(id);
            edges.get(id).toControlPlane.close();
            edges.get(id).toAdmin.close();
        }
        extras.forEach(EdgeNode::close);
        origin.close();
        plane.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
