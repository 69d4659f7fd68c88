package dev.outpost.control.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rendezvous hashing of edges over the live control planes: the same answer everywhere, little movement. */
class InstancesTest {
    private static List<String> edges(int count) {
        List<String> edges = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            edges.add("edge-" + i);
        }
        return edges;
    }

    @Test
    void everyInstanceComputesTheSameOwnerWhateverOrderItListsTheLiveOnesIn() {
        for (String edge : edges(50)) {
            assertThat(Instances.owner(List.of("a", "b", "c"), edge))
                    .isEqualTo(Instances.owner(List.of("c", "a", "b"), edge));
        }
    }

    @Test
    void edgesAreSpreadOverTheInstancesAndOnlyAStoppedOnesEdgesMove() {
        List<String> three = List.of("a", "b", "c");
        Map<String, Integer> perInstance = new HashMap<>();
        Map<String, String> before = new HashMap<>();
        for (String edge : edges(300)) {
            String owner = Instances.owner(three, edge);
            before.put(edge, owner);
            perInstance.merge(owner, 1, Integer::sum);
        }
        assertThat(perInstance).as("each of three gets a share").containsOnlyKeys("a", "b", "c")
                .allSatisfy((instance, count) -> assertThat(count).isBetween(60, 140));
        for (String edge : edges(300)) {
            String after = Instances.owner(List.of("a", "c"), edge);
            if (!before.get(edge).equals("b")) {
                assertThat(after).as(edge + " was not b's: it stays where it was").isEqualTo(before.get(edge));
            } else {
                assertThat(after).isIn("a", "c");
            }
        }
    }
}
