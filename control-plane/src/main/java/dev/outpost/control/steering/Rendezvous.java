package dev.outpost.control.steering;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Function;

/**
 * Rendezvous (highest random weight) hashing: every candidate gets a pseudo-random score for the key and the
 * highest wins. Removing a candidate moves only the keys it won (~1/N of them); adding one takes ~1/(N+1) from
 * the others; nobody else's keys move. Scores are FNV-1a over {@code id \n key}, spread by the SplitMix64 finalizer.
 */
final class Rendezvous {
    private Rendezvous() {
    }

    static <T> Optional<T> pick(String key, Collection<T> candidates, Function<T, String> id) {
        T best = null;
        long bestScore = 0;
        String bestId = null;
        for (T candidate : candidates) {
            String candidateId = id.apply(candidate);
            long score = score(candidateId, key);
            if (best == null || Long.compareUnsigned(score, bestScore) > 0
                    || score == bestScore && candidateId.compareTo(bestId) < 0) {
                best = candidate;
                bestScore = score;
                bestId = candidateId;
            }
        }
        return Optional.ofNullable(best);
    }

    static long score(String id, String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (id + "\n" + key).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return h;
    }
}
