package dev.outpost.control.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.wire.ShieldNode;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.invalidation.NewEntry;
import dev.outpost.control.store.StoreEngine;
import dev.outpost.testkit.ManualClock;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The registry's side of the shield tier: roles remembered, and the shields every heartbeat reply names. */
@ParameterizedClass
@EnumSource(StoreEngine.class)
class ShieldTierTest {
    @Parameter
    StoreEngine engine;

    private final ManualClock clock = ManualClock.startingAt("2026-01-01T00:00:00Z");
    private RegistryStores stores;
    private InvalidationLog log;
    private Registry registry;

    @BeforeEach
    void open(@TempDir Path dir) {
        stores = new RegistryStores(engine, dir, clock);
        log = stores.log();
        registry = stores.registry();
    }

    @AfterEach
    void close() {
        stores.close();
    }

    static NodeRegistration node(String id, String region, NodeRegistration.Role role, long applied,
            boolean cacheEmpty) {
        return new NodeRegistration(id, NodeRegistration.Kind.EDGE, region, URI.create("http://" + id + ".test:80"),
                Optional.of(URI.create("http://127.0.0.1:2/")), applied, cacheEmpty, false, role);
    }

    static NodeRegistration shield(String id, String region) {
        return node(id, region, NodeRegistration.Role.SHIELD, 0, true);
    }

    static NodeRegistration edge(String id, String region) {
        return node(id, region, NodeRegistration.Role.EDGE, 0, true);
    }

    @Test
    void everyHeartbeatReplyNamesTheHealthyShieldsOfEveryRegion() {
        registry.register(shield("us-shield", "us"));
        registry.register(edge("eu-1", "eu"));

        HeartbeatReply reply = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow();

        assertThat(reply.shields()).containsExactly(new ShieldNode("us-shield", "us",
                URI.create("http://us-shield.test:80")));
        assertThat(registry.statuses()).extracting(NodeStatus::role)
                .containsExactly(Optional.of("edge"), Optional.of("shield"));
    }

    @Test
    void aShieldThatStoppedHeartbeatingIsNoLongerNamed() {
        registry.register(shield("us-shield", "us"));
        registry.register(edge("eu-1", "eu"));

        clock.advance(Duration.ofSeconds(4));
        HeartbeatReply reply = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow();

        assertThat(reply.shields()).isEmpty();
    }

    @Test
    void aShieldThatSaidItIsLeavingIsNoLongerNamedAtOnce() {
        registry.register(shield("us-shield", "us"));
        registry.register(edge("eu-1", "eu"));
        assertThat(registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow().shields()).hasSize(1);

        registry.heartbeat("us-shield", new Heartbeat(0, 0, 0, 0).asLeaving()); // stopping
        HeartbeatReply reply = registry.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow();

        assertThat(reply.shields()).as("no edge is sent to a shield that is stopping").isEmpty();
    }

    private long purge(String region) {
        long sequence = log.append(NewEntry.purgeUrls(List.of("http://a.example/x")).inRegions(List.of(region)),
                List.of(), "ops").sequence();
        registry.shieldTier().check();
        return sequence;
    }

    private HeartbeatReply beat(Registry in, String id, long applied) {
        return in.heartbeat(id, new Heartbeat(0, 0, 0, applied)).orElseThrow();
    }

    @Test
    void anEdgeIsHandedAndHeldToOnlyWhatEveryShieldApplied() {
        registry.register(shield("us-shield", "us"));
        registry.register(edge("eu-1", "eu"));
        long first = purge("eu");
        long second = purge("eu");

        HeartbeatReply edgeBeat = beat(registry, "eu-1", 0);
        assertThat(edgeBeat.entries()).isEmpty();
        assertThat(edgeBeat.dueSequence()).isZero();
        assertThat(registry.steerable(registry.node("eu-1").orElseThrow())).isTrue();
        // the shield gets every region's entries; it applies the first only
        assertThat(beat(registry, "us-shield", 0).entries()).extracting(e -> e.sequence())
                .containsExactly(first, second);
        beat(registry, "us-shield", first);

        edgeBeat = beat(registry, "eu-1", 0);
        assertThat(edgeBeat.entries()).extracting(e -> e.sequence()).containsExactly(first);
        assertThat(edgeBeat.more()).as("the rest is held back, not a further page").isFalse();
        assertThat(edgeBeat.dueSequence()).isEqualTo(first);
    }

    @Test
    void anEdgeRegisteringWithAnEmptyCacheStandsAtWhatTheShieldsAppliedNotAtTheLogsEnd() {
        registry.register(shield("us-shield", "us"));
        purge("eu");

        assertThat(registry.register(edge("eu-1", "eu")).appliedSequence()).isZero();
    }

    @Test
    void aShieldTheEdgesOvertookWhileItWasSilentIsNotNamedAgainUntilCaughtUpEvenAfterARestart() {
        registry.register(shield("us-shield", "us"));
        registry.register(edge("eu-1", "eu"));
        clock.advance(Duration.ofSeconds(5)); // past heartbeat.timeout and one interval
        beat(registry, "eu-1", 0);
        long purged = purge("eu");
        assertThat(beat(registry, "eu-1", 0).entries()).as("not held for a silent shield").hasSize(1);

        Registry restarted = stores.anotherOverTheSameStores();
        HeartbeatReply back = beat(restarted, "us-shield", 0);
        assertThat(back.shields()).as("behind what the edges were handed").isEmpty();
        assertThat(beat(restarted, "eu-1", purged).shields()).isEmpty();

        beat(restarted, "us-shield", purged);
        assertThat(beat(restarted, "eu-1", purged).shields()).extracting(ShieldNode::id).containsExactly("us-shield");
    }

    @Test
    void aRestartedRegistryStillKnowsWhichEdgesAreShields() {
        registry.register(shield("us-shield", "us"));
        registry.register(edge("eu-1", "eu"));

        Registry restarted = stores.anotherOverTheSameStores();

        assertThat(restarted.node("us-shield").orElseThrow().isShield()).isTrue();
        assertThat(restarted.node("eu-1").orElseThrow().isShield()).isFalse();
        assertThat(restarted.heartbeat("eu-1", new Heartbeat(0, 0, 0, 0)).orElseThrow().shields())
                .extracting(ShieldNode::id).containsExactly("us-shield");
    }
}
