package dev.outpost.control.steering;

import java.util.List;
import java.util.Map;

/**
 * What a {@link Policy} chose: every eligible edge in the order it prefers them (the first is the choice, the next
 * ones are what a DNS answer lists as alternatives), and the inputs it used, named for the route JSON.
 */
public record Pick(List<Candidate> ranked, Map<String, String> inputs) {
    public Pick {
        ranked = List.copyOf(ranked);
        inputs = Map.copyOf(inputs);
        if (ranked.isEmpty()) {
            throw new IllegalArgumentException("a pick ranks at least one edge");
        }
    }

    public Candidate chosen() {
        return ranked.get(0);
    }
}
