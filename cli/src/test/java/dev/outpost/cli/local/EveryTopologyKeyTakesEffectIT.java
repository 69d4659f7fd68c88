package dev.outpost.cli.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.edge.EdgeNode;
import dev.outpost.testkit.ConfigCoverage;
import dev.outpost.testkit.ConfigTemplates;
import dev.outpost.testkit.HttpReply;
import dev.outpost.testkit.LoopbackPorts;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 §2 for {@code outpost local}: a topology file that sets every key to a value other than its default
 * (other addresses, ports, region names, a replica, numbered and listed edges, a relay address and a delay) starts a
 * CDN whose nodes and WAN relays stand where the file says. The guard fails when a topology record grows a key the
 * file does not set.
 */
class EveryTopologyKeyTakesEffectIT {
    private static final String TEMPLATE = """
            controlPlane: "127.0.0.5:{{CP}}"
            origin:
              listen: "127.0.0.5:{{ORIGIN}}"
              region: north
              replicas: [{region: south, listen: "127.0.6.253:{{REPLICA}}"}]
            edgePort: {{EDGE}}
            edgeAdminPort: {{ADMIN}}
            regions:
              - {name: north, clients: 127.0.5.0/24, edges: [127.0.5.7]}
              - {name: south, clients: 127.0.6.0/24, edgeCount: 1, originRelay: 127.0.6.200}
            delays: {south-north: 30ms}
            dns: {listen: "127.0.0.5:{{DNS}}", name: www.north.test}
            """;

    @Test
    void theCdnStandsWhereTheFileSays(@TempDir Path dir) throws Exception {
        Map<String, Integer> ports = Map.of("CP", LoopbackPorts.free(), "ORIGIN", LoopbackPorts.free(),
                "REPLICA", LoopbackPorts.free(), "EDGE", LoopbackPorts.free(), "ADMIN", LoopbackPorts.free(),
                "DNS", LoopbackPorts.free());
        Map<String, String> values = new java.util.HashMap<>();
        ports.forEach((name, port) -> values.put(name, port.toString()));
        String yaml = ConfigTemplates.fill(TEMPLATE, values);
        assertThat(ConfigCoverage.unsetKeys(Topology.class, Json.yaml().readTree(yaml)))
                .as("keys of the topology that this file does not set (add each, with a check here)").isEmpty();
        Topology topology = ConfigFiles.parse("every-key-topology.yml", yaml.getBytes(UTF_8), Topology.class);
        assertThat(topology.delay("north", "south")).isEqualTo(Duration.ofMillis(30));

        try (LocalCdn cdn = LocalCdn.start(topology, dir, Optional.empty())) {
            cdn.awaitEdgesReady(Duration.ofSeconds(30));
            assertThat(cdn.topology()).isEqualTo(topology);
            assertThat(cdn.apiUri()).isEqualTo(URI.create("http://127.0.0.5:" + ports.get("CP")));
            Map<String, EdgeNode> edges = cdn.edges();
            assertThat(edges.keySet()).containsExactlyInAnyOrder("north-1", "south-1");
            assertThat(edges.get("north-1").baseUri()).as("regions[north].edges and edgePort")
                    .isEqualTo(URI.create("http://127.0.5.7:" + ports.get("EDGE")));
            assertThat(edges.get("south-1").baseUri()).as("regions[south].edgeCount: the network's first address")
                    .isEqualTo(URI.create("http://127.0.6.1:" + ports.get("EDGE")));
            assertThat(edges.get("south-1").adminUri()).as("edgeAdminPort")
                    .contains(URI.create("http://127.0.6.1:" + ports.get("ADMIN")));
            assertThat(edges.get("south-1").config().region()).isEqualTo("south");
            assertThat(cdn.replicas().get("south").baseUri()).as("origin.replicas")
                    .isEqualTo(URI.create("http://127.0.6.253:" + ports.get("REPLICA")));
            assertThat(cdn.nodes()).filteredOn(n -> n.id().equals("north-1")).singleElement()
                    .satisfies(n -> assertThat(n.region()).isEqualTo("north"));
            OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(20)).build();
            try {
                HttpReply direct = HttpReply.call(http, new Request.Builder()
                        .url("http://127.0.0.5:" + ports.get("ORIGIN") + "/robots.txt").build());
                assertThat(direct.status()).as("origin.listen: the origin's public address").isEqualTo(200);
            } finally {
                http.connectionPool().evictAll();
                http.dispatcher().executorService().shutdown();
            }
            try (Socket relay = new Socket()) {
                relay.connect(new InetSocketAddress("127.0.6.200", ports.get("ORIGIN")), 5_000);
                assertThat(relay.isConnected()).as("regions[south].originRelay listens").isTrue();
            }
            SimpleResolver resolver = new SimpleResolver(new InetSocketAddress("127.0.0.5", ports.get("DNS")));
            resolver.setLocalAddress(java.net.InetAddress.getByName("127.0.6.50"));
            resolver.setTimeout(Duration.ofSeconds(10));
            Message answer = resolver.send(Message.newQuery(Record.newRecord(Name.fromString("www.north.test."),
                    Type.A, DClass.IN)));
            assertThat(answer.getSection(Section.ANSWER)).as("dns.listen and dns.name: a south client gets south-1")
                    .singleElement().satisfies(r -> assertThat(r.rdataToString()).isEqualTo("127.0.6.1"));
            // the site's service comes from the control plane (defined through its API at start-up)
            assertThat(edges.get("south-1").services().find("www.north.test")).as("the edges serve the DNS name")
                    .isPresent();
            assertThat(edges.get("south-1").services().find("www.north.test").orElseThrow().origins())
                    .as("south's origins: its replica, then the origin through its relay").containsExactly(
                    URI.create("http://127.0.6.253:" + ports.get("REPLICA")),
                    URI.create("http://127.0.6.200:" + ports.get("ORIGIN")));
        }
    }
}
