package dev.outpost.cli.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigException;
import dev.outpost.common.config.ConfigFiles;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TopologyTest {
    private static final String VALID = """
            controlPlane: 127.0.0.1:8000
            origin: {listen: 127.0.0.1:8080, region: us}
            regions:
              - {name: us, clients: 127.0.1.0/24, edges: [127.0.1.1, 127.0.1.2]}
              - {name: eu, clients: 127.0.2.0/24, edgeCount: 3}
            delays: {eu-us: 40ms}
            """;

    private static Topology parse(String yaml) {
        return ConfigFiles.parse("topology.yml", yaml.getBytes(UTF_8), Topology.class);
    }

    private static void assertRejected(String yaml, String... messageParts) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
                .message().startsWith("topology.yml").contains(messageParts);
    }

    @Test
    void shippedExampleFileIsTheBuiltInDefault() {
        Path shipped = Path.of("..", "deploy", "local-topology.yml");
        assertThat(Topology.load(shipped)).isEqualTo(Topology.defaults());
    }

    @Test
    void defaultsAreTheDesignTopology() {
        Topology topology = Topology.defaults();
        assertThat(topology.edges()).extracting(Topology.EdgeSpec::id)
                .containsExactly("us-1", "us-2", "eu-1", "eu-2", "ap-1", "ap-2");
        assertThat(topology.edges().get(2).url()).isEqualTo("http://127.0.2.1:8080");
        assertThat(topology.delay("us", "eu")).isEqualTo(Duration.ofMillis(40));
        assertThat(topology.delay("ap", "us")).isEqualTo(Duration.ofMillis(90));
        assertThat(topology.delay("eu", "ap")).isEqualTo(Duration.ofMillis(120));
        assertThat(topology.delay("ap", "ap")).isZero();
        assertThat(topology.region("eu").relayAddress()).isEqualTo("127.0.2.254");
        assertThat(topology.origin().replicas()).containsExactly(new Topology.Replica("eu", "127.0.2.253:8080"));
        assertThat(topology.origin().replicaIn("ap")).isEmpty();
    }

    @Test
    void replicasGoOnePerRegionOutsideTheOriginsOwnOnAddressesOfTheirOwn() {
        String withReplica = VALID.replace("origin: {listen: 127.0.0.1:8080, region: us}",
                "origin: {listen: 127.0.0.1:8080, region: us, replicas: [{region: eu, listen: 127.0.2.253:8080}]}");
        assertThat(parse(withReplica).origin().replicaIn("eu")).map(Topology.Replica::url)
                .contains("http://127.0.2.253:8080");
        assertRejected(withReplica.replace("region: eu, listen", "region: mars, listen"),
                "origin.replicas[mars].region", "mars");
        assertRejected(withReplica.replace("region: eu, listen", "region: us, listen"),
                "origin.replicas[us].region", "another region");
        assertRejected(withReplica.replace("[{region: eu, listen: 127.0.2.253:8080}]",
                "[{region: eu, listen: 127.0.2.253:8080}, {region: eu, listen: 127.0.2.252:8080}]"),
                "one replica per region");
        assertRejected(withReplica.replace("127.0.2.253:8080", "127.0.2.1:8080"),
                "regions[eu].edges 127.0.2.1", "already used by origin.replicas[eu].listen");
        assertRejected(withReplica.replace("127.0.2.253:8080", "127.0.2.253:0"), "origin.replicas[eu].listen");
    }

    @Test
    void edgeCountNumbersEdgesFromTheClientNetworkAndDelayKeysWorkInEitherOrder() throws Exception {
        Topology topology = parse(VALID);
        assertThat(topology.region("eu").edges()).containsExactly("127.0.2.1", "127.0.2.2", "127.0.2.3");
        assertThat(topology.delay("us", "eu")).isEqualTo(Duration.ofMillis(40));
        assertThat(topology.regionOf(InetAddress.getByName("127.0.2.77"))).contains("eu");
        assertThat(topology.regionOf(InetAddress.getByName("127.0.9.1"))).isEmpty();
    }

    @Test
    void unknownKeyIsNamed() {
        assertRejected(VALID + "edgePorts: 8080\n", "edgePorts");
        assertRejected(VALID.replace("edgeCount: 3", "edgeCount: 3, colour: red"), "colour");
    }

    @Test
    void badCidrIsNamedWithItsRegion() {
        assertRejected(VALID.replace("127.0.2.0/24", "127.0.2.0/33"), "regions[eu].clients", "127.0.2.0/33");
        assertRejected(VALID.replace("127.0.2.0/24", "eu.example/24"), "regions[eu].clients", "IPv4");
    }

    @Test
    void missingDelayPairIsNamed() {
        String threeRegions = VALID.replace("delays: {eu-us: 40ms}",
                "  - {name: ap, clients: 127.0.3.0/24, edgeCount: 1}\ndelays: {eu-us: 40ms, us-ap: 90ms}");
        assertRejected(threeRegions, "delays: missing eu-ap");
    }

    @Test
    void delayKeysMustNameTwoKnownRegionsOnceAndHoldDurations() {
        assertRejected(VALID.replace("eu-us: 40ms", "eu-us: 40ms, us-mars: 1s"), "delays.us-mars");
        assertRejected(VALID.replace("eu-us: 40ms", "eu-us: 40ms, us-eu: 50ms"), "name the same pair");
        assertRejected(VALID.replace("40ms", "soon"), "delays.eu-us", "not a duration");
    }

    @Test
    void duplicateAddressIsNamedWithBothUsers() {
        assertRejected(VALID.replace("edges: [127.0.1.1, 127.0.1.2]", "edges: [127.0.1.1, 127.0.1.1]"),
                "regions[us].edges 127.0.1.1", "already used by regions[us].edges 127.0.1.1");
        assertRejected(VALID.replace("controlPlane: 127.0.0.1:8000", "controlPlane: 127.0.0.1:8080"),
                "origin.listen", "127.0.0.1:8080", "already used by controlPlane");
    }

    @Test
    void edgesAreGivenEitherAsAddressesOrAsACount() {
        assertRejected(VALID.replace("edgeCount: 3", "edgeCount: 3, edges: [127.0.2.9]"),
                "regions[eu]: give either edges (addresses) or edgeCount");
        assertRejected(VALID.replace(", edgeCount: 3", ""), "regions[eu]: give either");
        assertRejected(VALID.replace("edges: [127.0.1.1, 127.0.1.2]", "edges: [edge.example]"),
                "regions[us].edges", "edge.example");
    }

    @Test
    void originRegionMustBeARegionAndRegionNamesAreShortWords() {
        assertRejected(VALID.replace("region: us", "region: mars"), "origin.region", "mars");
        assertRejected(VALID.replace("name: eu", "name: eu-west"), "regions[].name", "eu-west");
        assertRejected(VALID.replace("{name: eu,", "{name: us,"), "'us' is named twice");
    }

    @Test
    void missingFileIsNamed() {
        assertThatThrownBy(() -> Topology.load(Path.of("no-such-topology.yml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no-such-topology.yml");
    }

    @Test
    void anOriginRelayInTheOriginsOwnRegionIsRefusedAsUnused() {
        assertRejected(VALID.replace("edges: [127.0.1.1, 127.0.1.2]}", "edges: [127.0.1.1], originRelay: 127.0.1.9}"),
                "regions[us].originRelay: the origin lives in us", "would never be used");
        assertRejected(VALID.replace("clients: 127.0.2.0/24, edgeCount: 3", "clients: 127.0.2.0/26, edgeCount: 3"),
                "regions[eu].originRelay must be set");
    }

    @Test
    void aRegionNeedsAnAddressForItsSteeringInstance() {
        assertRejected(VALID.replace("clients: 127.0.2.0/24, edgeCount: 3", "clients: 127.0.2.0/28, edgeCount: 3"),
                "regions[eu].clients: 127.0.2.0/28 has no address .53 for the region's steering instance");
        assertRejected(VALID.replace("edges: [127.0.1.1, 127.0.1.2]}", "edges: [127.0.1.1, 127.0.1.2]}")
                .replace("controlPlane: 127.0.0.1:8000", "controlPlane: 127.0.0.1:8000\nedgePort: 8000")
                .replace("127.0.1.2]", "127.0.1.53]"), "steering (address .53)");
    }

    @Test
    void portsAreValuesAndZeroIsRefused() {
        assertRejected(VALID + "edgePort: 0\n", "edgePort must be >= 1, was 0");
    }
}
