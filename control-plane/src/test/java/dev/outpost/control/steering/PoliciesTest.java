package dev.outpost.control.steering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.control.BalancingSettings;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The load-balancing policies as pure functions: the distributions they promise, over many picks. */
class PoliciesTest {
    private static Candidate edge(String id) {
        return edge(id, 0, 0);
    }

    private static Candidate edge(String id, long active, double responseMillis) {
        return new Candidate(id, "eu", URI.create("http://" + id + ".example:8080"), true, true, active,
                responseMillis);
    }

    private static final List<Candidate> FIVE = List.of(edge("eu-1"), edge("eu-2"), edge("eu-3"), edge("eu-4"),
            edge("eu-5"));

    private static Policy.Request request(String key) {
        return new Policy.Request(key, "127.0.2.50", "eu");
    }

    private static Map<String, Integer> shares(Policy policy, List<Candidate> edges, int picks) {
        Map<String, Integer> shares = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            shares.merge(policy.pick(request("/k/" + i), edges).chosen().id(), 1, Integer::sum);
        }
        return shares;
    }

    @Test
    void weightedRoundRobinThreeToOneGivesSeventyFivePercentOverTenThousandPicks() {
        Policy policy = new WeightedRoundRobinPolicy(Map.of("eu-1", 3));
        Map<String, Integer> shares = shares(policy, List.of(edge("eu-1"), edge("eu-2")), 10_000);
        assertThat(shares.get("eu-1") / 10_000.0).isCloseTo(0.75, within(0.02));
        assertThat(shares.get("eu-2") / 10_000.0).isCloseTo(0.25, within(0.02));
    }

    @Test
    void weightedRoundRobinInterleavesInsteadOfSendingBursts() {
        Policy policy = new WeightedRoundRobinPolicy(Map.of("eu-1", 3));
        List<String> firstCycle = IntStream.range(0, 4)
                .mapToObj(i -> policy.pick(request("/x"), List.of(edge("eu-1"), edge("eu-2"))).chosen().id())
                .toList();
        assertThat(firstCycle).containsExactly("eu-1", "eu-1", "eu-2", "eu-1");
    }

    @Test
    void roundRobinGivesEveryEdgeTheSameShareAndKeepsTurnsPerRegion() {
        Policy policy = new RoundRobinPolicy();
        assertThat(shares(policy, FIVE, 10_000).values()).containsOnly(2_000);
        Candidate us = new Candidate("us-1", "us", URI.create("http://us-1.example"), true, true);
        policy.pick(new Policy.Request("/a", "c", "us"), List.of(us));
        assertThat(policy.pick(request("/b"), FIVE).chosen().id()).as("us's turn did not move eu's")
                .isEqualTo("eu-1");
    }

    @Test
    void rendezvousMovesAboutOneNthOfTheKeysWhenAnEdgeLeavesAndOnlyThose() {
        Policy policy = new RendezvousPolicy();
        List<Candidate> four = FIVE.subList(0, 4);
        int moved = 0;
        for (int i = 0; i < 10_000; i++) {
            String before = policy.pick(request("/k/" + i), FIVE).chosen().id();
            String after = policy.pick(request("/k/" + i), four).chosen().id();
            if (!before.equals(after)) {
                moved++;
                assertThat(before).as("only the leaving edge's keys move").isEqualTo("eu-5");
            }
        }
        assertThat(moved / 10_000.0).isCloseTo(1 / 5.0, within(0.02));
    }

    @Test
    void rendezvousSpreadsKeysEvenlyAndRanksEveryEdge() {
        Map<String, Integer> shares = shares(new RendezvousPolicy(), FIVE, 10_000);
        shares.values().forEach(n -> assertThat(n / 10_000.0).isCloseTo(0.2, within(0.02)));
        assertThat(new RendezvousPolicy().pick(request("/a"), FIVE).ranked()).hasSize(5)
                .containsExactlyInAnyOrderElementsOf(FIVE);
    }

    @Test
    void boundedLoadShedsAHotEdgesKeysToTheNextInTheirOrderAndLeavesTheOthersAlone() {
        Policy bounded = new BoundedLoadPolicy(1.25);
        Policy plain = new RendezvousPolicy();
        List<Candidate> hot = List.of(edge("eu-1", 40, 0), edge("eu-2", 2, 0), edge("eu-3", 3, 0),
                edge("eu-4", 1, 0), edge("eu-5", 4, 0));
        // bound = ceil(1.25 * (50 + 1) / 5) = 13: eu-1 (40) is above it, the others under it
        assertThat(bounded.pick(request("/a"), hot).inputs()).containsEntry("bound", "13")
                .containsEntry("shedFrom", "eu-1");
        for (int i = 0; i < 2_000; i++) {
            String key = "/k/" + i;
            List<Candidate> order = plain.pick(request(key), hot).ranked();
            String chosen = bounded.pick(request(key), hot).chosen().id();
            String expected = order.get(0).id().equals("eu-1") ? order.get(1).id() : order.get(0).id();
            assertThat(chosen).as(key).isEqualTo(expected);
        }
        List<Candidate> even = List.of(edge("eu-1", 3, 0), edge("eu-2", 3, 0), edge("eu-3", 3, 0));
        for (int i = 0; i < 500; i++) {
            assertThat(bounded.pick(request("/k/" + i), even).chosen())
                    .as("under an even load it is plain rendezvous")
                    .isEqualTo(plain.pick(request("/k/" + i), even).chosen());
        }
    }

    @Test
    void leastConnectionsPicksTheFewestInFlightAndKeepsLocalityOnTies() {
        List<Candidate> loads = List.of(edge("eu-1", 5, 0), edge("eu-2", 1, 0), edge("eu-3", 9, 0));
        Pick pick = new LeastConnectionsPolicy().pick(request("/a"), loads);
        assertThat(pick.chosen().id()).isEqualTo("eu-2");
        assertThat(pick.ranked()).extracting(Candidate::id).containsExactly("eu-2", "eu-1", "eu-3");
        assertThat(pick.inputs().get("activeRequests")).isEqualTo("eu-1=5,eu-2=1,eu-3=9");
        for (int i = 0; i < 200; i++) {
            assertThat(new LeastConnectionsPolicy().pick(request("/k/" + i), FIVE).chosen())
                    .isEqualTo(new RendezvousPolicy().pick(request("/k/" + i), FIVE).chosen());
        }
    }

    @Test
    void leastResponseTimePicksTheFastestEdge() {
        List<Candidate> times = List.of(edge("eu-1", 0, 12.5), edge("eu-2", 0, 250), edge("eu-3", 0, 3.2));
        Pick pick = new LeastResponseTimePolicy().pick(request("/a"), times);
        assertThat(pick.ranked()).extracting(Candidate::id).containsExactly("eu-3", "eu-1", "eu-2");
        assertThat(pick.inputs().get("responseMillis")).contains("eu-2=250.0ms");
    }

    @Test
    void ipHashKeepsAClientOnOneEdgeWhateverItAsksAndSpreadsClients() {
        Policy policy = new IpHashPolicy();
        String first = policy.pick(new Policy.Request("/a", "203.0.113.7", "eu"), FIVE).chosen().id();
        for (int i = 0; i < 100; i++) {
            assertThat(policy.pick(new Policy.Request("/k/" + i, "203.0.113.7", "eu"), FIVE).chosen().id())
                    .isEqualTo(first);
        }
        Map<String, Integer> shares = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            String client = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
            shares.merge(policy.pick(new Policy.Request("/a", client, "eu"), FIVE).chosen().id(), 1, Integer::sum);
        }
        shares.values().forEach(n -> assertThat(n / 10_000.0).isCloseTo(0.2, within(0.02)));
    }

    @Test
    void aServicesPolicyBeatsItsRegionsWhichBeatsTheDefault() {
        Policies policies = new Policies(new BalancingSettings("least-connections", Map.of("eu", "round-robin"),
                Map.of("Img.Example.com", "ip-hash"), Map.of(), null));
        assertThat(policies.of("img.example.com", "eu").name()).isEqualTo("ip-hash");
        assertThat(policies.of("www.example.com", "eu").name()).isEqualTo("round-robin");
        assertThat(policies.of("www.example.com", "us").name()).isEqualTo("least-connections");
        assertThat(Policies.rendezvous().of("www.example.com", "us").name()).isEqualTo("rendezvous");
    }
}
