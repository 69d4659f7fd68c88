package dev.outpost.edge.origin;

import dev.outpost.common.wire.ShieldNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.List;

/**
 * The shields this edge may fetch its misses from, as the latest heartbeat reply named them, and the order in which
 * one cache key tries them: rendezvous (highest random weight) hashing of the key over the shields of one region.
 * Every edge computes the same order from the same list, so one object is fetched from (and lives on) one shield,
 * and a shield joining or leaving moves only the keys it gains or held, not the others.
 */
public final class Shields {
    private final String self;
    private volatile List<ShieldNode> known = List.of();

    /** @param self this node's id: a node never lists itself as its own shield */
    public Shields(String self) {
        this.self = self;
    }

    /** Replaces the list with the latest heartbeat reply's. */
    public void replace(List<ShieldNode> shields) {
        known = List.copyOf(shields);
    }

    /** Every shield known now, in every region. */
    public List<ShieldNode> known() {
        return known;
    }

    /** The shields of {@code region} for {@code key}, the one that holds it first, then the next to try. */
    public List<ShieldNode> forKey(String region, String key) {
        List<ShieldNode> candidates = known.stream()
                .filter(s -> s.region().equals(region) && !s.id().equals(self)).toList();
        return order(candidates, key);
    }

    /** Rendezvous order: by descending weight of (shield id, key), ties by id. */
    static List<ShieldNode> order(List<ShieldNode> shields, String key) {
        if (shields.size() < 2) {
            return shields;
        }
        return shields.stream()
                .sorted(Comparator.comparingLong((ShieldNode s) -> weight(s.id(), key)).reversed()
                        .thenComparing(ShieldNode::id))
                .toList();
    }

    /** The key's weight on a shield: the first 64 bits of SHA-256(id, NUL, key), as every edge computes it. */
    static long weight(String shieldId, String key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(shieldId.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(key.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
