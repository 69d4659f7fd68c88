package dev.outpost.edge.tiers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.http.NodeServer;
import dev.outpost.common.http.ServerLimits;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.wire.ShieldNode;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.OriginBreaker;
import dev.outpost.edge.config.OriginTimeouts;
import dev.outpost.edge.config.ShieldFallback;
import dev.outpost.edge.origin.Upstream;
import dev.outpost.testkit.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * When an edge passes its shield over for the origin, and when it does not (docs/caching-tiers.md, "Fallback"):
 * only for the shield's own failure (unreachable, timed out, refusing for its own reasons), never for the origin's
 * answer the shield relays, so a failing origin gets one request per miss (the shield's), not one per tier. Real
 * shield and edge nodes on loopback in front of a counting fake origin ({@link ShieldTier}).
 */
class ShieldFallbackIT {

    @Test
    void anOrigin503RelayedByTheShieldIsTheAnswerAndCostsTheOriginOneRequestPerMiss() throws Exception {
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1")) {
            tier.edge("eu-1", "eu");
            EdgeNode eu = tier.edge("eu-1");
            tier.origin.outage(503);
            for (int miss = 1; miss <= 2; miss++) {
                ShieldTier.Reply reply = tier.get(eu, "/outage.css");
                assertThat(reply.code()).isEqualTo(503);
                assertThat(reply.body()).isEqualTo("origin down");
                assertThat(reply.cacheStatus()).isEqualTo("Outpost-shield; fwd=miss; fwd-status=503, "
                        + "Outpost; fwd=miss; fwd-status=503");
                assertThat(tier.origin.fetches("/outage.css")).as("origin requests after miss " + miss)
                        .isEqualTo(miss);
            }
            assertThat(ShieldTier.fallbacks(eu)).isZero();
            assertThat(ShieldTier.ownOriginRequests(eu)).as("the edge never asked the origin itself").isZero();
            assertThat(ShieldTier.keptErrors(eu, Upstream.ORIGIN_ERROR)).isEqualTo(2);
        }
    }

    @Test
    void theEdgesStaleCopyAnswersAnOrigin503RelayedByTheShield() throws Exception {
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1")) {
            tier.edge("eu-1", "eu");
            EdgeNode eu = tier.edge("eu-1");
            // Stored at both tiers and stale at once: the next request goes forward.
            tier.origin.cacheControl("max-age=0, stale-if-error=600");
            assertThat(tier.get(eu, "/stale.css").code()).isEqualTo(200);
            // The shield no longer holds it (evicted, restarted): it asks the origin, which now fails.
            tier.shields.get("us-shield-1").store().purge("assets/stale.css", false);
            tier.origin.outage(503);
            ShieldTier.Reply reply = tier.get(eu, "/stale.css");
            assertThat(reply.code()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("body of /stale.css");
            assertThat(reply.cacheStatus()).isEqualTo("Outpost; fwd=stale; fwd-status=503");
            assertThat(tier.origin.fetches("/stale.css")).as("the fill, then the shield's one attempt").isEqualTo(2);
            assertThat(ShieldTier.fallbacks(eu)).isZero();
            assertThat(ShieldTier.ownOriginRequests(eu)).isZero();
        }
    }

    @Test
    void concurrentMissesInTwoRegionsDuringAnOrigin503CostTheOriginOneRequest() throws Exception {
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1");
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            tier.edge("eu-1", "eu").edge("ap-1", "ap");
            tier.origin.outage(503);
            List<CompletableFuture<ShieldTier.Reply>> replies = new ArrayList<>();
            for (EdgeNode edge : tier.edges.values()) {
                for (int i = 0; i < 3; i++) {
                    replies.add(CompletableFuture.supplyAsync(() -> get(tier, edge, "/held/outage.css"), clients));
                }
            }
            // The shield's fetch waits at the origin until every request joined a collapse: two followers at each
            // edge, and the second edge's fetch at the shield.
            for (EdgeNode edge : tier.edges.values()) {
                awaitCollapsedWaiters(edge, 2);
            }
            awaitCollapsedWaiters(tier.shields.get("us-shield-1"), 1);
            tier.origin.release();
            for (CompletableFuture<ShieldTier.Reply> reply : replies) {
                assertThat(reply.get().code()).isEqualTo(503);
                assertThat(reply.get().body()).isEqualTo("origin down");
            }
            assertThat(tier.origin.fetches("/held/outage.css")).isEqualTo(1);
            for (EdgeNode edge : tier.edges.values()) {
                assertThat(ShieldTier.fallbacks(edge)).isZero();
                assertThat(ShieldTier.ownOriginRequests(edge)).isZero();
            }
        }
    }

    @Test
    void aStoppedShieldIsPassedOverForTheOriginWithOneRequestCounted() throws Exception {
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1")) {
            tier.edge("eu-1", "eu");
            EdgeNode eu = tier.edge("eu-1");
            assertThat(tier.get(eu, "/before.css").via()).startsWith("1.1 us-shield-1 (Outpost)");
            tier.shields.get("us-shield-1").close(); // still named by the control plane: refuses connections
            ShieldTier.Reply reply = tier.get(eu, "/after-stop.css");
            assertThat(reply.code()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("body of /after-stop.css");
            assertThat(reply.cacheStatus()).isEqualTo("Outpost; fwd=miss; fwd-status=200; stored");
            assertThat(tier.origin.fetches("/after-stop.css")).isEqualTo(1);
            assertThat(ShieldTier.fallbacks(eu, Upstream.CONNECT)).isEqualTo(1);
            assertThat(ShieldTier.fallbacks(eu)).isEqualTo(1);
        }
    }

    @Test
    void aShieldAnsweringItsOwn503ShuttingDownIsPassedOverForTheOrigin() throws Exception {
        // An Outpost listener whose worker pool takes no more tasks answers as every stopping node does: 503
        // shutting_down from the error-mapping handler, with no Cache-Status entry of its own.
        try (ShieldTier tier = new ShieldTier();
                NodeServer stopping = NodeServer.on(ListenAddress.parse("127.0.0.1:0"), ServerLimits.DEFAULTS)
                        .start(exchange -> {
                            throw new RejectedExecutionException("worker pool shut down");
                        })) {
            tier.name(new ShieldNode("us-shield-stopping", "us", stopping.baseUri()));
            ShieldTier.Reply refusal = tier.get(stopping.baseUri(), "/probe.css");
            assertThat(refusal.code()).isEqualTo(503);
            assertThat(refusal.body()).contains("\"error\":\"shutting_down\"");
            tier.edge("eu-1", "eu");
            EdgeNode eu = tier.edge("eu-1");
            ShieldTier.Reply reply = tier.get(eu, "/while-stopping.css");
            assertThat(reply.code()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("body of /while-stopping.css");
            assertThat(tier.origin.fetches("/while-stopping.css")).isEqualTo(1);
            assertThat(ShieldTier.fallbacks(eu, Upstream.SHIELD_ERROR)).isEqualTo(1);
            assertThat(ShieldTier.keptErrors(eu, Upstream.ORIGIN_ERROR)).isZero();
        }
    }

    @Test
    void aShieldThatCannotReachTheOriginIsBelievedByDefault() throws Exception {
        URI dead = URI.create("http://127.0.0.1:" + LoopbackPorts.free());
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1", c -> c
                .withServices(List.of(unreachableOrigin(dead)))
                .withOrigin(OriginTimeouts.DEFAULTS.withBreaker(OriginBreaker.of(1, Duration.ofMinutes(5),
                        Duration.ofMinutes(5)))))) {
            tier.edge("eu-1", "eu");
            EdgeNode eu = tier.edge("eu-1");
            ShieldTier.Reply refused = tier.get(eu, "/unreachable.css");
            assertThat(refused.code()).isEqualTo(502);
            assertThat(refused.body()).contains("\"error\":\"origin_unreachable\"");
            assertThat(refused.cacheStatus()).isEqualTo("Outpost-shield; fwd=miss; detail=origin-unreachable, "
                    + "Outpost; fwd=miss; fwd-status=502");
            // The failure opened the shield's circuit for the origin: it answers 503 origin_down at once.
            ShieldTier.Reply down = tier.get(eu, "/unreachable.css");
            assertThat(down.code()).isEqualTo(503);
            assertThat(down.body()).contains("\"error\":\"origin_down\"");
            assertThat(tier.origin.fetches("/unreachable.css")).as("the edge never tried its own path").isZero();
            assertThat(ShieldTier.ownOriginRequests(eu)).isZero();
            assertThat(ShieldTier.fallbacks(eu)).isZero();
            assertThat(ShieldTier.keptErrors(eu, Upstream.ORIGIN_UNREACHABLE)).isEqualTo(2);
        }
    }

    @Test
    void withShieldOrOriginUnreachableTheEdgeTriesItsOwnPathWhenTheShieldCannotReachTheOrigin() throws Exception {
        URI dead = URI.create("http://127.0.0.1:" + LoopbackPorts.free());
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1", c -> c
                .withServices(List.of(unreachableOrigin(dead))))) {
            tier.edge("eu-1", "eu", c -> c.withOrigin(OriginTimeouts.DEFAULTS
                    .withShieldFallback(ShieldFallback.SHIELD_OR_ORIGIN_UNREACHABLE)));
            EdgeNode eu = tier.edge("eu-1");
            ShieldTier.Reply reply = tier.get(eu, "/other-path.css");
            assertThat(reply.code()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("body of /other-path.css");
            assertThat(reply.cacheStatus()).isEqualTo("Outpost; fwd=miss; fwd-status=200; stored");
            assertThat(tier.origin.fetches("/other-path.css")).isEqualTo(1);
            assertThat(ShieldTier.fallbacks(eu, Upstream.ORIGIN_UNREACHABLE)).isEqualTo(1);
        }
        // The origin's own 5xx, relayed by a shield that reached it, is still the answer under this setting.
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1")) {
            tier.edge("eu-1", "eu", c -> c.withOrigin(OriginTimeouts.DEFAULTS
                    .withShieldFallback(ShieldFallback.SHIELD_OR_ORIGIN_UNREACHABLE)));
            EdgeNode eu = tier.edge("eu-1");
            tier.origin.outage(503);
            assertThat(tier.get(eu, "/relayed.css").code()).isEqualTo(503);
            assertThat(tier.origin.fetches("/relayed.css")).isEqualTo(1);
            assertThat(ShieldTier.fallbacks(eu)).isZero();
            assertThat(ShieldTier.keptErrors(eu, Upstream.ORIGIN_ERROR)).isEqualTo(1);
        }
    }

    /** The tier's service as a shield sees it when its path to the origin is broken: the origin at {@code dead}. */
    private static DeliveryService unreachableOrigin(URI dead) {
        return DeliveryService.of("assets", List.of(ShieldTier.HOST), List.of(dead))
                .withShieldRegion(java.util.Optional.of("us"));
    }

    private static ShieldTier.Reply get(ShieldTier tier, EdgeNode edge, String path) {
        try {
            return tier.get(edge, path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitCollapsedWaiters(EdgeNode node, int waiters) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(20);
        while (node.metrics().registry().find("edge.collapsed.waiters").functionCounter().count() < waiters) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("never had " + waiters + " requests waiting on one fetch");
            }
            Thread.sleep(10);
        }
    }
}
