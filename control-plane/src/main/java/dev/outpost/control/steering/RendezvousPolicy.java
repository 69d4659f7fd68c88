package dev.outpost.control.steering;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code rendezvous} (the default): rendezvous hashing of the cache key, so one URL sticks to one edge of a region
 * and each object is cached once there (best hit ratio). An edge leaving moves only the keys it held.
 */
final class RendezvousPolicy implements Policy {
    static final String NAME = "rendezvous";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Pick pick(Request request, List<Candidate> eligible) {
        return new Pick(byScore(request.key(), eligible), Map.of("key", request.key()));
    }

    /** Every candidate, highest rendezvous score for {@code key} first; ties (never seen in practice) by id. */
    static List<Candidate> byScore(String key, List<Candidate> candidates) {
        return candidates.stream()
                .sorted(Comparator.comparing((Candidate c) -> Rendezvous.score(c.id(), key),
                        (a, b) -> Long.compareUnsigned(b, a)).thenComparing(Candidate::id))
                .toList();
    }

    /**
     * Every candidate, least by {@code load} first; candidates with equal load keep their rendezvous order for
     * {@code key} (a stable sort), so an idle region keeps its cache locality.
     */
    static List<Candidate> leastLoadedFirst(String key, List<Candidate> candidates, Comparator<Candidate> load) {
        return byScore(key, candidates).stream().sorted(load).toList();
    }
}
