package dev.outpost.control.steering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.control.ControlPlaneConfig.Region;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SteeringTest {
    private static final List<Region> REGIONS = List.of(
            new Region("us", List.of("127.0.1.0/24", "2001:db8:1::/48")),
            new Region("eu", List.of("127.0.2.0/24", "10.0.0.0/8")),
            new Region("ap", List.of("127.0.3.0/24", "10.9.0.0/16")));
    private static final Map<String, Map<String, Duration>> LATENCY = Map.of(
            "us", Map.of("eu", Duration.ofMillis(40), "ap", Duration.ofMillis(90)),
            "eu", Map.of("ap", Duration.ofMillis(120)));

    private final Steering steering = new Steering(new RegionTable(REGIONS, "us"), new LatencyMatrix(LATENCY),
            Set.of("us", "eu", "ap"), new ClientAddress(List.of(Cidr.parse("127.0.0.1/32"), Cidr.parse("::1"))));

    private static Candidate edge(String id, String region) {
        return new Candidate(id, region, URI.create("http://" + id + ".example:8080"), true, true);
    }

    private static Candidate down(String id, String region) {
        return new Candidate(id, region, URI.create("http://" + id + ".example:8080"), false, true);
    }

    private static Candidate behind(String id, String region) {
        return new Candidate(id, region, URI.create("http://" + id + ".example:8080"), true, false);
    }

    private static final List<Candidate> SIX = List.of(edge("us-1", "us"), edge("us-2", "us"), edge("eu-1", "eu"),
            edge("eu-2", "eu"), edge("ap-1", "ap"), edge("ap-2", "ap"));

    private Decision route(String client, List<Candidate> edges) {
        return steering.decide(client, Optional.empty(), "www.example.com", "/assets/app.js", edges);
    }

    private static String chosen(Decision d) {
        return d.chosen().orElseThrow().id();
    }

    @Test
    void clientsGoToAnEdgeOfTheRegionTheirNetworkIsIn() {
        assertThat(chosen(route("127.0.1.50", SIX))).startsWith("us-");
        assertThat(chosen(route("127.0.2.50", SIX))).startsWith("eu-");
        assertThat(chosen(route("127.0.3.50", SIX))).startsWith("ap-");
        assertThat(chosen(route("2001:db8:1::7", SIX))).startsWith("us-");
        Decision eu = route("127.0.2.50", SIX);
        assertThat(eu.clientRegion()).isEqualTo("eu");
        assertThat(eu.matchedCidr()).contains("127.0.2.0/24");
        assertThat(eu.fallback()).isFalse();
        assertThat(eu.candidates()).containsExactly("eu-1", "eu-2");
        assertThat(eu.reason()).contains("region eu matched 127.0.2.0/24");
    }

    @Test
    void mostSpecificNetworkWinsAndUnknownClientsGetTheDefaultRegion() {
        assertThat(route("10.9.1.1", SIX).clientRegion()).isEqualTo("ap");
        assertThat(route("10.1.1.1", SIX).clientRegion()).isEqualTo("eu");
        Decision unknown = route("192.0.2.1", SIX);
        assertThat(unknown.clientRegion()).isEqualTo("us");
        assertThat(unknown.matchedCidr()).isEmpty();
        assertThat(unknown.reason()).contains("default region us");
        assertThat(route("2001:db8:2::1", SIX).clientRegion()).isEqualTo("us");
    }

    @Test
    void sameUrlGoesToTheSameEdgeAndDifferentUrlsSpreadOverTheRegion() {
        Map<String, Integer> perEdge = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            String path = "/assets/" + i + ".js";
            Decision first = steering.decide("127.0.2.9", Optional.empty(), "www.example.com", path, SIX);
            Decision again = steering.decide("127.0.2.77", Optional.empty(), "WWW.example.com:8080",
                    path + "?v=2", SIX);
            assertThat(chosen(again)).isEqualTo(chosen(first));
            perEdge.merge(chosen(first), 1, Integer::sum);
        }
        assertThat(perEdge.keySet()).containsExactlyInAnyOrder("eu-1", "eu-2");
        assertThat(perEdge.values()).allSatisfy(n -> assertThat(n).isBetween(400, 600));
    }

    @Test
    void unhealthyAndCatchingUpEdgesAreSkipped() {
        List<Candidate> edges = List.of(down("eu-1", "eu"), behind("eu-2", "eu"), edge("eu-3", "eu"),
                edge("us-1", "us"));
        for (int i = 0; i < 50; i++) {
            Decision d = steering.decide("127.0.2.9", Optional.empty(), "h", "/" + i, edges);
            assertThat(chosen(d)).isEqualTo("eu-3");
            assertThat(d.skipped()).containsExactly("eu-1 (unhealthy)", "eu-2 (catching up)");
        }
    }

    @Test
    void regionWithoutAnEligibleEdgeFallsBackToTheNearestRegionThatHasOne() {
        List<Candidate> noEu = List.of(down("eu-1", "eu"), edge("us-1", "us"), edge("ap-1", "ap"));
        Decision d = route("127.0.2.9", noEu);
        assertThat(d.clientRegion()).isEqualTo("eu");
        assertThat(d.servingRegion()).isEqualTo("us"); // eu–us 40 ms beats eu–ap 120 ms
        assertThat(d.fallback()).isTrue();
        assertThat(d.reason()).contains("fell back to nearest region us");

        List<Candidate> onlyAp = List.of(edge("ap-1", "ap"), behind("us-1", "us"));
        assertThat(route("127.0.2.9", onlyAp).servingRegion()).isEqualTo("ap");
        // latency is read in either direction: ap–us 90 ms (configured as us→ap) beats ap–eu 120 ms
        assertThat(route("127.0.3.9", List.of(edge("us-1", "us"), edge("eu-1", "eu"))).servingRegion())
                .isEqualTo("us");
    }

    @Test
    void noEligibleEdgeAnywhereIsAnEmptyChoiceWithAReason() {
        Decision d = route("127.0.2.9", List.of(down("eu-1", "eu"), behind("us-1", "us")));
        assertThat(d.chosen()).isEmpty();
        assertThat(d.reason()).contains("no healthy, caught-up edge");
    }

    @Test
    void removingOneOfTenEdgesMovesOnlyItsOwnKeysAboutATenth() {
        List<Candidate> ten = IntStream.range(0, 10).mapToObj(i -> edge("eu-" + i, "eu")).toList();
        List<Candidate> nine = ten.stream().filter(c -> !c.id().equals("eu-4")).toList();
        int keys = 20_000;
        int moved = 0;
        int ownedByRemoved = 0;
        for (int i = 0; i < keys; i++) {
            String path = "/objects/" + i;
            String before = chosen(steering.decide("127.0.2.1", Optional.empty(), "h", path, ten));
            String after = chosen(steering.decide("127.0.2.1", Optional.empty(), "h", path, nine));
            if (!before.equals(after)) {
                moved++;
                assertThat(before).as("only keys of the removed edge move").isEqualTo("eu-4");
            }
            if (before.equals("eu-4")) {
                ownedByRemoved++;
            }
        }
        assertThat(moved).isEqualTo(ownedByRemoved);
        assertThat((double) moved / keys).isBetween(0.08, 0.12);
    }

    @Test
    void forwardedForIsBelievedOnlyFromTrustedProxies() {
        Decision viaProxy = steering.decide("127.0.0.1", Optional.of("127.0.3.5"), "h", "/", SIX);
        assertThat(viaProxy.client()).isEqualTo("127.0.3.5");
        assertThat(viaProxy.clientRegion()).isEqualTo("ap");

        Decision forged = steering.decide("127.0.2.8", Optional.of("127.0.3.5"), "h", "/", SIX);
        assertThat(forged.client()).isEqualTo("127.0.2.8");
        assertThat(forged.clientRegion()).isEqualTo("eu");

        // a client can prepend anything; only the hop the trusted proxy appended counts
        Decision chain = steering.decide("127.0.0.1", Optional.of("127.0.3.5, 127.0.2.8"), "h", "/", SIX);
        assertThat(chain.client()).isEqualTo("127.0.2.8");
        Decision garbage = steering.decide("127.0.0.1", Optional.of("not-an-ip"), "h", "/", SIX);
        assertThat(garbage.client()).isEqualTo("127.0.0.1");
        Decision v6Proxy = steering.decide("::1", Optional.of("2001:db8:1::9"), "h", "/", SIX);
        assertThat(v6Proxy.clientRegion()).isEqualTo("us");
    }

    @Test
    void cacheKeyIsHostWithoutPortPlusNormalizedPath() {
        assertThat(Steering.cacheKey("WWW.Example.com:8080", "/a/./b/../c%2f?x=1")).isEqualTo("www.example.com/a/c%2F");
        assertThat(Steering.cacheKey("h", "")).isEqualTo("h/");
        assertThat(Steering.cacheKey("h", "/dir/")).isEqualTo("h/dir/");
        assertThat(Steering.cacheKey("[::1]:80", "/x")).isEqualTo("[::1]/x");
    }

    @Test
    void geoIpCsvAddsNetworksAndBadLinesAreNamed(@TempDir Path dir)
            throws Exception {
        Path csv = dir.resolve("geo.csv");
        Files.writeString(csv, "network,region\n# test nets\n203.0.113.0/24,ap\n\n2001:db8:9::/48,eu\n"
                + "127.0.2.128/25,ap\n");
        RegionTable table = RegionTable.withGeoIp(REGIONS, "us", csv);
        assertThat(table.regionOf(Cidr.literal("203.0.113.9").orElseThrow()).region()).isEqualTo("ap");
        assertThat(table.regionOf(Cidr.literal("2001:db8:9::1").orElseThrow()).region()).isEqualTo("eu");
        assertThat(table.regionOf(Cidr.literal("127.0.2.200").orElseThrow()).region()).as("longer prefix wins")
                .isEqualTo("ap");
        assertThat(table.regionOf(Cidr.literal("127.0.2.1").orElseThrow()).region()).isEqualTo("eu");

        Files.writeString(csv, "203.0.113.0/24,mars\n");
        assertThatThrownBy(() -> RegionTable.withGeoIp(REGIONS, "us", csv))
                .hasMessageContaining("line 1").hasMessageContaining("'mars'");
        Files.writeString(csv, "# x\n203.0.113.0/99,eu\n");
        assertThatThrownBy(() -> RegionTable.withGeoIp(REGIONS, "us", csv))
                .hasMessageContaining("line 2").hasMessageContaining("prefix length");
    }

    @Test
    void cidrsMatchIpv4AndIpv6AndRejectNames() {
        assertThat(Cidr.parse("10.0.0.0/8").contains(Cidr.literal("10.255.1.1").orElseThrow())).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains(Cidr.literal("11.0.0.1").orElseThrow())).isFalse();
        assertThat(Cidr.parse("2001:db8::/32").contains(Cidr.literal("2001:db8:ffff::1").orElseThrow())).isTrue();
        assertThat(Cidr.parse("2001:db8::/32").contains(Cidr.literal("10.0.0.1").orElseThrow())).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(Cidr.literal("8.8.8.8").orElseThrow())).isTrue();
        assertThat(Cidr.literal("localhost")).isEmpty();
        assertThat(new ArrayList<>(List.of(Cidr.parse("10.1.2.3/8")))).containsExactly(Cidr.parse("10.0.0.0/8"));
    }
}
