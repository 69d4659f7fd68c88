package dev.outpost.cli.local;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.outpost.common.config.ConfigFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code outpost local}'s default topology for the tests that start the local CDN in this JVM: six edges in three
 * regions behind real WAN relays, on the default addresses and delays but on a block of ports of the test's own, so
 * no two test classes share a listener (and a user's own {@code outpost local} on 8000/8080 does not collide).
 */
final class TestTopology {
    private TestTopology() {
    }

    /**
     * The topology with the control plane on {@code base}, the origin and the edges on {@code base + 80}, the edges'
     * admin APIs on {@code base + 1080} and DNS on {@code base + 53}. Keep the block below Linux's ephemeral range
     * (32768 and up): an outgoing connection of another test could otherwise hold one as its local port and make
     * the bind fail (seen with 38080).
     */
    static String onPorts(int base) {
        return onPorts(base, base + 80, base + 80, base + 1080, base + 53);
    }

    /** The topology on the ports given, one each. */
    static String onPorts(int controlPlane, int origin, int edges, int edgeAdmin, int dns) {
        return """
                controlPlane: 127.0.0.1:%d
                origin: {listen: 127.0.0.1:%d, region: us}
                edgePort: %d
                edgeAdminPort: %d
                regions:
                  - {name: us, clients: 127.0.1.0/24, edges: [127.0.1.1, 127.0.1.2]}
                  - {name: eu, clients: 127.0.2.0/24, edges: [127.0.2.1, 127.0.2.2]}
                  - {name: ap, clients: 127.0.3.0/24, edges: [127.0.3.1, 127.0.3.2]}
                delays: {us-eu: 40ms, us-ap: 90ms, eu-ap: 120ms}
                dns: {listen: 127.0.0.1:%d}
                """.formatted(controlPlane, origin, edges, edgeAdmin, dns);
    }

    static Topology parse(String yaml) {
        return ConfigFiles.parse("test-topology.yml", yaml.getBytes(UTF_8), Topology.class);
    }

    /** Starts the local CDN and waits until every edge is ready; closes it again if they are not. */
    static LocalCdn startReady(Topology topology, Path dir, LocalCdn.Shield shield) throws InterruptedException {
        LocalCdn cdn = LocalCdn.start(topology, dir, Optional.empty(), shield);
        try {
            cdn.awaitEdgesReady(Duration.ofSeconds(30));
        } catch (RuntimeException | InterruptedException e) {
            cdn.close();
            throw e;
        }
        return cdn;
    }
}
