package dev.outpost.control.registry;

import dev.outpost.common.wire.ShieldNode;
import dev.outpost.control.ControlPlaneConfig.HeartbeatSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The shield tier's gate (docs/caching-tiers.md, "Shield tier: purges, tier by tier"): how far the edges that are
 * not shields may be handed the log, and which shields they may fetch from.
 *
 * <p><b>Design note.</b> One number, the release mark: the highest sequence handed to edges. Every entry reaches the
 * shields at once; the mark rises to the lowest applied sequence of the shields that <i>hold back</i> the edges
 * (role shield, not fenced, not revalidating, heard from within {@code heartbeat.timeout} plus one
 * {@code heartbeat.interval}, and caught up to the mark), or to the end of the log when none does. So an edge gets an
 * entry only once every shield that counts applied it, and an entry is never held for a shield that is down. A
 * shield is <i>usable</i> (named in heartbeat replies) when it holds back the edges and is healthy (heard within the
 * timeout alone): a shield that fell behind the mark (it was down while the edges moved on) is neither until it
 * caught up, so no edge ever fetches from a shield that missed what the edge applied. The extra interval of holding
 * back past the timeout covers the edges' lists: an edge heartbeats once per interval, so by the time a silent
 * shield stops holding back, every heartbeating edge has a list without it.
 *
 * <p>The mark never falls (a shield that returns does not un-give the edges anything). It is stored (a
 * {@code sequences} row) and read before the shields on every computation, so after a restart, and across control
 * planes sharing a database, no instance names a shield the edges of another have overtaken: an instance raises the
 * stored mark before it hands its edges anything past it, and tells the others ({@code NOTIFY}).
 */
final class ShieldGate {
    /**
     * A computation's outcome: the mark, the shields edges may fetch from, how many hold the edges back, and
     * whether the mark rose past entries that were held back (so edges must be handed them now).
     */
    record State(long released, List<ShieldNode> usable, int holdingBack, boolean rose) {
    }

    private final NodeStore store;
    /** Now, as far as silence counts ({@link Hearing}). */
    private final Supplier<Instant> now;
    private final HeartbeatSettings settings;
    private final LongSupplier lastSequence;
    private volatile long released;
    /** The last computation found no shield registered (or none is stored, before the first). */
    private volatile boolean noShields = true;
    private volatile List<ShieldNode> usable = List.of();
    private volatile int holdingBack;
    /** Entries the mark rose past while shields were registered but none held the edges back (all down). */
    private final java.util.concurrent.atomic.AtomicLong releasedUnshielded = new java.util.concurrent.atomic.AtomicLong();
    /** The mark as this gate last read or wrote it in the store. */
    private long stored;

    ShieldGate(NodeStore store, Supplier<Instant> now, HeartbeatSettings settings, LongSupplier lastSequence) {
        this.store = store;
        this.now = now;
        this.settings = settings;
        this.lastSequence = lastSequence;
        this.stored = store.releasedToEdges();
        this.released = stored;
    }

    /**
     * The highest sequence edges that are not shields may be handed; steering holds them to it too. With no shield
     * registered, the whole log as it grows (nothing waits, and an append needs no computation to reach the edges).
     */
    long released() {
        return noShields ? Math.max(released, lastSequence.getAsLong()) : released;
    }

    List<ShieldNode> usable() {
        return usable;
    }

    int holdingBack() {
        return holdingBack;
    }

    long releasedUnshielded() {
        return releasedUnshielded.get();
    }

    /**
     * Computes the mark from the shields as {@code shields} reads them (from the store, when it is shared: read
     * after the stored mark, so they are at least as new as what raised it) and stores it when it rose.
     */
    synchronized State recompute(Supplier<List<Node>> shields) {
        long before = released(); // with no shield so far: what edges could be handed, the whole log
        List<Node> all = shields.get();
        long last = lastSequence.getAsLong();
        if (all.isEmpty()) {
            // Nothing is held: the edges follow the log, and the mark is neither read nor written (a durable write
            // per entry and a read per heartbeat slowed every heartbeat of a busy shared store for nothing). The
            // first shield to register raises the stored mark to the log's end as its control plane knows it (the
            // branch below, with "before" at the log's end), so it is not named before it has what edges got.
            noShields = true;
            released = Math.max(before, last);
            usable = List.of();
            holdingBack = 0;
            return new State(released, usable, 0, false);
        }
        noShields = false;
        long mark = before;
        if (store.shared()) {
            stored = store.releasedToEdges();
            mark = Math.max(mark, stored);
        }
        long floor = mark;
        List<Node> holding = all.stream().filter(s -> holdsBack(s, floor)).toList();
        long next = holding.isEmpty() ? last : holding.stream().mapToLong(Node::appliedSequence).min().orElse(last);
        long newMark = Math.max(mark, next);
        if (holding.isEmpty() && newMark > mark) {
            releasedUnshielded.addAndGet(newMark - mark);
        }
        if (newMark > stored) {
            // before anything past the old mark reaches an edge: the store's mark is what other instances and a
            // restart trust (with no shield it is not kept at all: the edges follow the log)
            store.releasedToEdges(newMark, true);
            stored = newMark;
        }
        released = newMark;
        usable = holding.stream().filter(s -> s.appliedSequence() >= newMark && healthy(s))
                .map(s -> new ShieldNode(s.id(), s.region(), s.registration().publicUrl())).toList();
        boolean heldBefore = holdingBack > 0;
        holdingBack = holding.size();
        // with no shield holding back before, nothing was held: new entries go out as they are dispatched
        return new State(newMark, usable, holding.size(), newMark > before && heldBefore);
    }

    /** Shields are stored: until the first computation, the stored mark holds (not the log's end). */
    synchronized void expectShields() {
        noShields = false;
    }

    /**
     * A shield that counts: every entry past the mark waits for it. Heard from within the timeout and one interval
     * (see the design note), not fenced nor revalidating everything, and not behind the mark.
     */
    private boolean holdsBack(Node shield, long mark) {
        Duration silent = Duration.between(shield.lastSeen(), now.get());
        return !shield.fenced() && !shield.resetDue() && shield.appliedSequence() >= mark
                && silent.compareTo(settings.timeout().plus(settings.interval())) <= 0;
    }

    /**
     * Heard from within the timeout and not leaving: a shield that said it is stopping is not handed to edges any
     * more (it still holds entries back, as a silent one does, until its timeout).
     */
    private boolean healthy(Node shield) {
        return !shield.stats().saysLeaving()
                && Duration.between(shield.lastSeen(), now.get()).compareTo(settings.timeout()) <= 0;
    }
}
