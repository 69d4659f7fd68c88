package dev.outpost.control.registry;

import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.wire.ShieldNode;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The registry's side of the shield tier (docs/caching-tiers.md): how far each node may be handed the log, and
 * which shields the edges may fetch from, kept by a {@link ShieldGate} recomputed from the shields' acks and health.
 * The {@link Registry} calls {@link #check} on every change that can move the gate; the dispatcher reads
 * {@link #handOutLimit} before it pushes an entry and runs {@link #onReleased} when the gate lets more through.
 */
public final class ShieldTier {
    private final ShieldGate gate;
    /** The shields as known now (merged from the store when it is shared). */
    private final Supplier<List<Node>> shieldsNow;
    private final Predicate<Node> healthy;
    /** Runs when the gate's mark rose: the dispatcher pushes what it held back for the edges. */
    private volatile Runnable onReleased = () -> { };

    ShieldTier(ShieldGate gate, Supplier<List<Node>> shieldsNow, Predicate<Node> healthy) {
        this.gate = gate;
        this.shieldsNow = shieldsNow;
        this.healthy = healthy;
    }

    /** Runs {@code release} each time the shields acknowledged more (or stopped counting): edges get what was held. */
    public void onReleased(Runnable release) {
        this.onReleased = release;
    }

    /**
     * Recomputes the shield tier's gate from the shields' latest acks and health (read from the store when it is
     * shared), and releases what it held back when its mark rose. Called on every change that can move it: an
     * entry appended or learned, a shield's ack or heartbeat, a registration, fencing, removal, the periodic pass.
     */
    public ShieldGate.State check() {
        ShieldGate.State state = gate.recompute(shieldsNow);
        if (state.rose()) {
            onReleased.run();
        }
        return state;
    }

    /**
     * The highest sequence {@code node} may be handed now: everything for a shield (and an origin), the gate's mark
     * for any other edge, so it gets an entry only once every shield that counts applied it.
     */
    public long handOutLimit(Node node) {
        return handOutLimit(node.registration());
    }

    long handOutLimit(NodeRegistration r) {
        boolean gated = r.kind() == NodeRegistration.Kind.EDGE && r.role() != NodeRegistration.Role.SHIELD;
        return gated ? gate.released() : Long.MAX_VALUE;
    }

    /** The gate's mark: the highest sequence edges that are not shields were handed (the metrics and entry views). */
    public long releasedToEdges() {
        return gate.released();
    }

    /**
     * The shields edges may fetch their misses from, every region's, ordered by id, as of the last {@link #check}:
     * registered with role {@code shield}, healthy (heartbeating within {@code heartbeat.timeout}), not fenced nor
     * revalidating, and caught up on everything the edges were handed.
     */
    public List<ShieldNode> shields() {
        return gate.usable().stream().sorted(Comparator.comparing(ShieldNode::id)).toList();
    }

    /** Shields that hold the edges back now (the metrics). */
    public int holdingBack() {
        return gate.holdingBack();
    }

    /**
     * Entries this control plane handed the edges although no shield had applied them, because shields were
     * registered but none counted (all silent, fenced or behind): the tier's guarantee was waived for them.
     */
    public long releasedWithoutShields() {
        return gate.releasedUnshielded();
    }

    /**
     * A shield's state for the metrics: {@code usable} (named to edges), {@code catching_up} (heard from, but behind
     * what the edges were handed, or revalidating everything), {@code unhealthy} (silent past the timeout),
     * {@code fenced}.
     */
    public String state(Node shield) {
        if (shield.fenced()) {
            return "fenced";
        }
        if (!healthy.test(shield)) {
            return "unhealthy";
        }
        return gate.usable().stream().anyMatch(s -> s.id().equals(shield.id())) ? "usable" : "catching_up";
    }
}
