package dev.outpost.edge.tiers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.service.SigningConfig;
import dev.outpost.common.service.SigningKey;
import dev.outpost.common.wire.ShieldNode;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.origin.Upstream;
import dev.outpost.edge.signing.UrlSignatures;
import dev.outpost.testkit.LoopbackPorts;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;

/**
 * The shield tier end to end: real shield and edge nodes on loopback in front of a counting fake origin (see
 * {@link ShieldTier}); docs/caching-tiers.md, "Shield tier".
 */
class ShieldTierIT {

    @Test
    void coldObjectRequestedInThreeRegionsAtOnceCostsOneOriginFetch() throws Exception {
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1");
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            tier.edge("us-1", "us").edge("eu-1", "eu").edge("ap-1", "ap");
            List<CompletableFuture<ShieldTier.Reply>> replies = new ArrayList<>();
            for (EdgeNode edge : tier.edges.values()) {
                replies.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return tier.get(edge, "/held/cold.css");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, clients));
            }
            // The first fetch waits at the origin until every region's miss reached the shield (two wait there).
            EdgeNode shield = tier.shields.get("us-shield-1");
            awaitCollapsedWaiters(shield, 2);
            tier.origin.release();
            for (CompletableFuture<ShieldTier.Reply> reply : replies) {
                assertThat(reply.get().code()).isEqualTo(200);
                assertThat(reply.get().body()).isEqualTo("body of /held/cold.css");
                assertThat(reply.get().cacheStatus()).startsWith("Outpost-shield; fwd=miss").contains(", Outpost; ");
            }
            assertThat(tier.origin.fetches("/held/cold.css")).isEqualTo(1);
        }
    }

    @Test
    void aRequestThatAlreadyPassedAnOutpostNodeIsNeverSentToAShield() throws Exception {
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1")) {
            tier.edge("eu-1", "eu").edge("ap-1", "ap");
            // One shield hop at most: each edge fetches such a request from the origin itself.
            for (EdgeNode edge : tier.edges.values()) {
                ShieldTier.Reply reply = tier.get(edge, "/direct.css", "Via", "1.1 other-cdn-node (Outpost)");
                assertThat(reply.code()).isEqualTo(200);
                assertThat(reply.cacheStatus()).doesNotContain("Outpost-shield");
            }
            assertThat(tier.origin.fetches("/direct.css")).isEqualTo(2);
            RecordedRequest first = tier.origin.take();
            assertThat(first.getHeaders().get("Via")).matches("1\\.1 other-cdn-node \\(Outpost\\), "
                    + "1\\.1 (eu|ap)-1 \\(Outpost\\)");
        }
    }

    @Test
    void cacheStatusChainsTheShieldsEntryBeforeTheEdgesAndHitsDoNotReplayIt() throws Exception {
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1")) {
            tier.edge("eu-1", "eu").edge("ap-1", "ap");
            ShieldTier.Reply miss = tier.get(tier.edge("eu-1"), "/chain.css");
            // RFC 9211: the cache nearest the origin first.
            assertThat(miss.cacheStatus()).isEqualTo("Outpost-shield; fwd=miss; fwd-status=200; stored, "
                    + "Outpost; fwd=miss; fwd-status=200; stored");
            assertThat(miss.via()).isEqualTo("1.1 us-shield-1 (Outpost), 1.1 eu-1 (Outpost)");
            ShieldTier.Reply shieldHit = tier.get(tier.edge("ap-1"), "/chain.css");
            assertThat(shieldHit.cacheStatus()).matches("Outpost-shield; hit; ttl=\\d+, "
                    + "Outpost; fwd=miss; fwd-status=200; stored");
            ShieldTier.Reply edgeHit = tier.get(tier.edge("eu-1"), "/chain.css");
            assertThat(edgeHit.cacheStatus()).matches("Outpost; hit; ttl=\\d+");
            assertThat(tier.origin.fetches("/chain.css")).isEqualTo(1);
            // The shield got the edge's Via entry, and passed both on to the origin.
            assertThat(tier.origin.take().getHeaders().get("Via"))
                    .isEqualTo("1.1 eu-1 (Outpost), 1.1 us-shield-1 (Outpost)");
        }
    }

    @Test
    void anEdgeBehindAShieldStoresTheOriginsSurrogateKeysAndSurrogateControlSoTagPurgesReachItsCopy()
            throws Exception {
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1")) {
            tier.origin.header("Surrogate-Key", "css site");
            tier.origin.header("Surrogate-Control", "max-age=60"); // the CDN's lifetime; Cache-Control says 600
            tier.edge("eu-1", "eu");
            EdgeNode edge = tier.edge("eu-1");
            ShieldTier.Reply miss = tier.get(edge, "/tagged.css");
            assertThat(miss.cacheStatus()).startsWith("Outpost-shield; fwd=miss").contains(", Outpost; fwd=miss");
            assertThat(miss.headers().get("Surrogate-Key")).as("never to a client").isNull();
            assertThat(miss.headers().get("Surrogate-Control")).isNull();

            ShieldTier.Reply hit = tier.get(edge, "/tagged.css");
            assertThat(hit.cacheStatus()).matches("Outpost; hit; ttl=\\d+");
            assertThat(Long.parseLong(hit.cacheStatus().replaceAll("\\D", ""))).as("the CDN's lifetime, from the "
                    + "origin's Surrogate-Control the shield passed on").isLessThanOrEqualTo(60);
            assertThat(hit.headers().get("Surrogate-Key")).isNull();

            // The edge's copy carries the origin's tags: a tag purge, as the control plane delivers it, takes it.
            assertThat(edge.store().purgeTag("css", false)).isEqualTo(1);
            assertThat(tier.get(edge, "/tagged.css").cacheStatus()).as("fetched again, from the shield's copy")
                    .startsWith("Outpost-shield; hit");
            assertThat(edge.store().purgeTag("site", false)).as("the shield's stored copy passed its tags on too")
                    .isEqualTo(1);

            // The shield passes the CDN-only fields to an Outpost node only, never to a client.
            EdgeNode shield = tier.shields.get("us-shield-1");
            ShieldTier.Reply toNode = tier.get(shield, "/tagged.css", "Via", "1.1 ap-9 (Outpost)");
            assertThat(toNode.headers().get("Surrogate-Key")).isEqualTo("css site");
            assertThat(toNode.headers().get("Surrogate-Control")).isEqualTo("max-age=60");
            ShieldTier.Reply toClient = tier.get(shield, "/tagged.css", "Via", "1.1 some-proxy");
            assertThat(toClient.headers().get("Surrogate-Key")).isNull();
            assertThat(toClient.headers().get("Surrogate-Control")).isNull();
            assertThat(tier.origin.fetches("/tagged.css")).isEqualTo(1);
        }
    }

    @Test
    void eachEdgeGetsTheVariantItsClientAskedForThroughTheShieldsVariants() throws Exception {
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1")) {
            tier.edge("eu-1", "eu").edge("ap-1", "ap");
            EdgeNode eu = tier.edge("eu-1");
            EdgeNode ap = tier.edge("ap-1");
            assertThat(tier.get(eu, "/vary/page", "Accept-Language", "de").body())
                    .isEqualTo("body of /vary/page in de");
            ShieldTier.Reply fr = tier.get(ap, "/vary/page", "Accept-Language", "fr");
            assertThat(fr.body()).as("the shield holds de; fr is another variant")
                    .isEqualTo("body of /vary/page in fr");
            assertThat(fr.cacheStatus()).startsWith("Outpost-shield; fwd=miss");
            ShieldTier.Reply de = tier.get(ap, "/vary/page", "Accept-Language", "de");
            assertThat(de.body()).isEqualTo("body of /vary/page in de");
            assertThat(de.cacheStatus()).startsWith("Outpost-shield; hit");
            assertThat(tier.get(eu, "/vary/page", "Accept-Language", "fr").body())
                    .isEqualTo("body of /vary/page in fr");
            assertThat(tier.get(eu, "/vary/page", "Accept-Language", "de").cacheStatus()).startsWith("Outpost; hit");
            assertThat(tier.origin.fetches("/vary/page")).isEqualTo(2);
        }
    }

    @Test
    void aSignedUrlServiceFetchesItsMissesFromTheOriginNotTheShield() throws Exception {
        // The edge checks the token and strips it before going upstream, so the shield (the same service, signing
        // required) would refuse the request: such services never go through a shield (docs/caching-tiers.md).
        String secret = "tier-secret-tier-secret-tier-0001";
        UrlSignatures signer = new UrlSignatures(List.of(SigningKey.of(secret)), UrlSignatures.DEFAULT_MAX_LIFETIME);
        try (ShieldTier tier = new ShieldTier()
                .service(s -> s.withSigning(new SigningConfig(true, List.of(SigningKey.of(secret)), null)))) {
            tier.shield("us-shield-1").edge("eu-1", "eu");
            Instant now = Instant.now();
            String token = signer.sign(ShieldTier.HOST, "/signed.mp4", now.plusSeconds(300), Optional.empty(),
                    Optional.of("127.0.0.1"), now);
            ShieldTier.Reply reply = tier.get(tier.edge("eu-1"), "/signed.mp4?" + token);
            assertThat(reply.code()).as(reply.body()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("body of /signed.mp4");
            assertThat(reply.cacheStatus()).isEqualTo("Outpost; fwd=miss; fwd-status=200; stored");
            assertThat(ShieldTier.fallbacks(tier.edge("eu-1"))).as("by design, not a shield's failure").isZero();
            assertThat(tier.origin.take().getTarget()).as("the token never goes upstream").isEqualTo("/signed.mp4");
            assertThat(tier.get(tier.edge("eu-1"), "/signed.mp4").code()).as("unsigned").isEqualTo(403);
            assertThat(tier.get(tier.shields.get("us-shield-1"), "/signed.mp4").code())
                    .as("unsigned, straight to the shield").isEqualTo(403);
        }
    }

    @Test
    void rendezvousHashingPutsEachKeyOnOneShieldAndSpreadsKeysOverShields() throws Exception {
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1").shield("us-shield-2")) {
            tier.edge("eu-1", "eu").edge("ap-1", "ap");
            Set<String> used = new HashSet<>();
            for (int i = 0; i < 16; i++) {
                String path = "/spread/" + i + ".js";
                String viaEu = tier.get(tier.edge("eu-1"), path).via();
                String viaAp = tier.get(tier.edge("ap-1"), path).via();
                String shieldEu = viaEu.substring(0, viaEu.indexOf(','));
                assertThat(viaAp).as(path).startsWith(shieldEu + ",");
                assertThat(tier.origin.fetches(path)).as(path).isEqualTo(1);
                used.add(shieldEu);
            }
            assertThat(used).containsExactlyInAnyOrder("1.1 us-shield-1 (Outpost)", "1.1 us-shield-2 (Outpost)");
        }
    }

    @Test
    void aShieldThatRefusesConnectionsIsPassedOverForTheNextThenTheOriginAndCounted() throws Exception {
        URI dead = URI.create("http://127.0.0.1:" + LoopbackPorts.free());
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1")
                .name(new ShieldNode("us-shield-dead", "us", dead))) {
            tier.edge("eu-1", "eu");
            EdgeNode eu = tier.edge("eu-1");
            // A key the dead shield holds first in rendezvous order: the live one answers it.
            String deadFirst = pathWhoseFirstShieldIs(eu, "us-shield-dead");
            ShieldTier.Reply reply = tier.get(eu, deadFirst);
            assertThat(reply.code()).isEqualTo(200);
            assertThat(reply.via()).startsWith("1.1 us-shield-1 (Outpost)");
            assertThat(ShieldTier.fallbacks(eu, Upstream.CONNECT)).isEqualTo(1);
        }
        try (ShieldTier tier = new ShieldTier().name(new ShieldNode("us-shield-dead", "us", dead))) {
            tier.edge("eu-1", "eu");
            EdgeNode eu = tier.edge("eu-1");
            ShieldTier.Reply reply = tier.get(eu, "/all-down.css");
            assertThat(reply.code()).isEqualTo(200);
            assertThat(reply.cacheStatus()).isEqualTo("Outpost; fwd=miss; fwd-status=200; stored");
            assertThat(tier.origin.fetches("/all-down.css")).isEqualTo(1);
            assertThat(ShieldTier.fallbacks(eu, Upstream.CONNECT)).isEqualTo(1);
        }
    }

    @Test
    void aShieldAnswering5xxIsPassedOverAndNoUsableShieldMeansTheOriginCounted() throws Exception {
        try (ShieldTier tier = new ShieldTier()) {
            // A "shield" that answers 503 to everything.
            try (mockwebserver3.MockWebServer broken = new mockwebserver3.MockWebServer()) {
                broken.setDispatcher(new mockwebserver3.Dispatcher() {
                    @Override
                    public mockwebserver3.MockResponse dispatch(mockwebserver3.RecordedRequest request) {
                        return new mockwebserver3.MockResponse.Builder().code(503).body("shield trouble").build();
                    }
                });
                broken.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
                tier.name(new ShieldNode("us-shield-broken", "us",
                        URI.create("http://127.0.0.1:" + broken.getPort())));
                tier.edge("eu-1", "eu");
                EdgeNode eu = tier.edge("eu-1");
                ShieldTier.Reply reply = tier.get(eu, "/after-5xx.css");
                assertThat(reply.code()).isEqualTo(200);
                assertThat(reply.body()).isEqualTo("body of /after-5xx.css");
                assertThat(ShieldTier.fallbacks(eu, Upstream.SHIELD_ERROR)).isEqualTo(1);
                assertThat(tier.origin.fetches("/after-5xx.css")).isEqualTo(1);
            }
        }
        try (ShieldTier tier = new ShieldTier()) {
            tier.edge("eu-1", "eu"); // the control plane names no shield at all
            EdgeNode eu = tier.edge("eu-1");
            assertThat(tier.get(eu, "/no-shield.css").code()).isEqualTo(200);
            assertThat(tier.origin.fetches("/no-shield.css")).isEqualTo(1);
            assertThat(ShieldTier.fallbacks(eu, Upstream.NO_SHIELD)).isEqualTo(1);
        }
    }

    @Test
    void aShieldThatDoesNotAnswerInTimeIsPassedOverForTheOriginAndCountedAsATimeout() throws Exception {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        try (ShieldTier tier = new ShieldTier();
                mockwebserver3.MockWebServer silent = new mockwebserver3.MockWebServer()) {
            silent.setDispatcher(new mockwebserver3.Dispatcher() {
                @Override
                public mockwebserver3.MockResponse dispatch(mockwebserver3.RecordedRequest request)
                        throws InterruptedException {
                    never.await(); // holds the head until the test ends: the edge's read timeout fires first
                    return new mockwebserver3.MockResponse.Builder().code(200).body("too late").build();
                }
            });
            silent.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
            tier.name(new ShieldNode("us-shield-silent", "us", URI.create("http://127.0.0.1:" + silent.getPort())));
            tier.edge("eu-1", "eu", c -> c.withOrigin(new dev.outpost.edge.config.OriginTimeouts(null,
                    java.time.Duration.ofMillis(300), null, null, null, null, null)));
            EdgeNode eu = tier.edge("eu-1");
            ShieldTier.Reply reply = tier.get(eu, "/slow-shield.css");
            assertThat(reply.code()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo("body of /slow-shield.css");
            assertThat(tier.origin.fetches("/slow-shield.css")).isEqualTo(1);
            assertThat(ShieldTier.fallbacks(eu, Upstream.TIMEOUT)).isEqualTo(1);
            never.countDown(); // before the silent server closes: its dispatcher thread ends
        } finally {
            never.countDown();
        }
    }

    @Test
    void aRequestThatComesBackToANodeItPassedIsAnswered508() throws Exception {
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1")) {
            ShieldTier.Reply reply = tier.get(tier.shields.get("us-shield-1"), "/loop.css",
                    "Via", "1.1 eu-1 (Outpost), 1.1 us-shield-1 (Outpost)");
            assertThat(reply.code()).isEqualTo(508);
            assertThat(reply.body()).contains("\"error\":\"loop_detected\"").contains("us-shield-1");
            assertThat(tier.origin.fetches("/loop.css")).isZero();
            // Another proxy's entry with the same name is not Outpost's: no loop.
            assertThat(tier.get(tier.shields.get("us-shield-1"), "/loop.css", "Via", "1.1 us-shield-1").code())
                    .isEqualTo(200);
        }
    }

    @Test
    void aShieldFetchesFromTheOriginEvenWhenItKnowsShields() throws Exception {
        try (ShieldTier tier = new ShieldTier().shield("us-shield-1")) {
            EdgeNode shield = tier.shields.get("us-shield-1");
            shield.shields().replace(List.of(new ShieldNode("us-shield-other", "us",
                    URI.create("http://127.0.0.1:" + LoopbackPorts.free()))));
            ShieldTier.Reply reply = tier.get(shield, "/at-shield.css");
            assertThat(reply.cacheStatus()).isEqualTo("Outpost-shield; fwd=miss; fwd-status=200; stored");
            assertThat(ShieldTier.fallbacks(shield, Upstream.CONNECT)).isZero();
        }
    }

    private static String pathWhoseFirstShieldIs(EdgeNode edge, String shieldId) {
        for (int i = 0; ; i++) {
            String path = "/pick/" + i + ".css";
            if (edge.shields().forKey("us", "assets" + path).get(0).id().equals(shieldId)) {
                return path;
            }
        }
    }

    private static void awaitCollapsedWaiters(EdgeNode shield, int waiters) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(20);
        while (shield.metrics().registry().find("edge.collapsed.waiters").functionCounter().count() < waiters) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the shield never had " + waiters + " requests waiting on one fetch");
            }
            Thread.sleep(10);
        }
    }
}
