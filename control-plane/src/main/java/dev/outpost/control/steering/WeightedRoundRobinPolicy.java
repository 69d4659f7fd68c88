package dev.outpost.control.steering;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * {@code weighted-round-robin}: edges in turn, each as often as its configured weight (default 1), interleaved the
 * way nginx's smooth weighted round robin does (3:1 gives a a b a, not a a a b). The choice for turn {@code t} is a
 * pure function of {@code t mod total weight} and the weights, so no per-edge state survives a change of the set.
 */
final class WeightedRoundRobinPolicy implements Policy {
    static final String NAME = "weighted-round-robin";

    private final Map<String, Integer> weights;
    private final ConcurrentMap<String, AtomicLong> turns = new ConcurrentHashMap<>();

    WeightedRoundRobinPolicy(Map<String, Integer> weights) {
        this.weights = Map.copyOf(weights);
    }

    @Override
    public String name() {
        return NAME;
    }

    int weight(Candidate edge) {
        return weights.getOrDefault(edge.id(), 1);
    }

    @Override
    public Pick pick(Request request, List<Candidate> eligible) {
        long turn = turns.computeIfAbsent(request.region(), r -> new AtomicLong()).getAndIncrement();
        int total = eligible.stream().mapToInt(this::weight).sum();
        int slot = (int) Math.floorMod(turn, (long) total);
        // Smooth weighted round robin, replayed from the start of the cycle up to this slot: each step every edge
        // gains its weight, the highest current value is chosen and loses the total. Weights are small (<= 1000).
        int[] current = new int[eligible.size()];
        int chosen = 0;
        for (int step = 0; step <= slot; step++) {
            chosen = 0;
            for (int i = 0; i < current.length; i++) {
                current[i] += weight(eligible.get(i));
                if (current[i] > current[chosen]) {
                    chosen = i;
                }
            }
            current[chosen] -= total;
        }
        Candidate first = eligible.get(chosen);
        List<Candidate> ranked = new ArrayList<>();
        ranked.add(first);
        eligible.stream().filter(c -> c != first)
                .sorted(Comparator.comparingInt((Candidate c) -> -weight(c)).thenComparing(Candidate::id))
                .forEach(ranked::add);
        String used = eligible.stream().map(c -> c.id() + "=" + weight(c)).collect(Collectors.joining(","));
        return new Pick(ranked, Map.of("turn", Long.toString(turn), "weights", used));
    }
}
