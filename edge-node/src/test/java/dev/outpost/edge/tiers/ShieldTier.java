package dev.outpost.edge.tiers;

import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.wire.ShieldNode;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.FakeControlPlane;
import dev.outpost.edge.config.EdgeConfig;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A shield tier in one JVM on loopback: a counting fake origin, real shield edges (role shield, region {@code us}),
 * and real edges in other regions that learn the shields from a fake control plane's heartbeat replies. The service
 * names {@code shieldRegion: us}.
 */
final class ShieldTier implements AutoCloseable {
    static final String HOST = "assets.test";

    final CountingOrigin origin = new CountingOrigin();
    final FakeControlPlane controlPlane = new FakeControlPlane();
    final Map<String, EdgeNode> shields = new LinkedHashMap<>();
    final Map<String, EdgeNode> edges = new LinkedHashMap<>();
    final OkHttpClient client = new OkHttpClient.Builder().retryOnConnectionFailure(false)
            .callTimeout(Duration.ofSeconds(30)).build();
    private final List<ShieldNode> named = new ArrayList<>();

    ShieldTier() throws IOException {
    }

    private UnaryOperator<DeliveryService> serviceAdjust = UnaryOperator.identity();

    DeliveryService service() {
        return serviceAdjust.apply(DeliveryService.of("assets", List.of(HOST), List.of(origin.url()))
                .withShieldRegion(java.util.Optional.of("us")));
    }

    /** Every node started from now on serves the service as {@code adjust} makes it. */
    ShieldTier service(UnaryOperator<DeliveryService> adjust) {
        serviceAdjust = adjust;
        return this;
    }

    /** Starts a shield of region us and names it in every heartbeat reply. */
    ShieldTier shield(String id) {
        return shield(id, java.util.function.UnaryOperator.identity());
    }

    /** The same, with {@code adjust} applied to its config. */
    ShieldTier shield(String id, java.util.function.UnaryOperator<EdgeConfig> adjust) {
        EdgeNode shield = EdgeNode.start(adjust.apply(EdgeConfig.of(id, "127.0.0.1:0", service()).withRegion("us")
                .withRole(NodeRegistration.Role.SHIELD)));
        shields.put(id, shield);
        return name(new ShieldNode(id, "us", shield.baseUri()));
    }

    /** Names a shield (also one that is not there) in every heartbeat reply, in this order. */
    ShieldTier name(ShieldNode shield) {
        named.add(shield);
        controlPlane.shields(named);
        return this;
    }

    /** Starts an edge of {@code region} linked to the fake control plane, and waits until it knows the shields. */
    ShieldTier edge(String id, String region) {
        return edge(id, region, java.util.function.UnaryOperator.identity());
    }

    /** The same, with {@code adjust} applied to its config. */
    ShieldTier edge(String id, String region, java.util.function.UnaryOperator<EdgeConfig> adjust) {
        EdgeNode edge = EdgeNode.start(adjust.apply(EdgeConfig.of(id, "127.0.0.1:0", service()).withRegion(region)
                .withControlPlane(controlPlane.link())));
        edges.put(id, edge);
        Instant deadline = Instant.now().plusSeconds(20);
        while (!edge.shields().known().equals(named)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(id + " never learned the shields " + named + ", knows "
                        + edge.shields().known());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return this;
    }

    EdgeNode edge(String id) {
        return edges.get(id);
    }

    /** GET {@code path} from {@code node} with the service's Host and {@code headers}, read whole. */
    Reply get(EdgeNode node, String path, String... headers) throws IOException {
        return get(node.baseUri(), path, headers);
    }

    Reply get(URI node, String path, String... headers) throws IOException {
        Request.Builder b = new Request.Builder().url(node + path).header("Host", HOST);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try (Response r = client.newCall(b.build()).execute()) {
            return new Reply(r.code(), r.body().string(), r.headers());
        }
    }

    /** The edge's count of fetches that passed over a shield for {@code reason}. */
    static double fallbacks(EdgeNode edge, String reason) {
        var counter = edge.metrics().registry().find("edge.shield.fallbacks").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    /** The edge's count of fetches that passed over a shield, whatever the reason. */
    static double fallbacks(EdgeNode edge) {
        return edge.metrics().registry().find("edge.shield.fallbacks").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /** The edge's count of a shield's 5xx answers it kept (no fallback) for {@code cause}. */
    static double keptErrors(EdgeNode edge, String cause) {
        var counter = edge.metrics().registry().find("edge.shield.errors.kept").tag("cause", cause).counter();
        return counter == null ? 0 : counter.count();
    }

    /** The requests the edge sent to the service's origins itself (answered or not), not through a shield. */
    static double ownOriginRequests(EdgeNode edge) {
        return edge.metrics().registry().find("edge.origin.requests").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    record Reply(int code, String body, okhttp3.Headers headers) {
        String cacheStatus() {
            return String.join(", ", headers.values("Cache-Status"));
        }

        String via() {
            return String.join(", ", headers.values("Via"));
        }
    }

    @Override
    public void close() {
        edges.values().forEach(EdgeNode::close);
        shields.values().forEach(EdgeNode::close);
        controlPlane.close();
        origin.close();
        client.connectionPool().evictAll();
        client.dispatcher().executorService().shutdown();
    }
}
