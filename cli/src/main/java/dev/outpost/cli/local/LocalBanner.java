package dev.outpost.cli.local;

import dev.outpost.cli.local.LocalCdn.NodeState;
import dev.outpost.cli.local.Topology.EdgeSpec;
import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.json.Durations;
import java.net.URI;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What {@code outpost local} prints once every edge is healthy: the node table (health as the control plane reports
 * it) and ready-to-paste commands for a near and a far region. Pure text from the topology and the node states.
 */
final class LocalBanner {
    static final String LARGE_FILE = "/assets/dataset.csv";
    static final String DEFAULT_API = "127.0.0.1:8000";

    private LocalBanner() {
    }

    static String render(Topology topology, List<NodeState> nodes, URI originInternal, String workDir,
            String siteSource) {
        return render(topology, LocalCdn.Shield.OFF, nodes, originInternal, workDir, siteSource);
    }

    static String render(Topology topology, LocalCdn.Shield shield, List<NodeState> nodes, URI originInternal,
            String workDir, String siteSource) {
        StringBuilder out = new StringBuilder();
        String plane = "http://" + topology.controlPlane();
        String origin = "http://" + topology.origin().listen();
        out.append("outpost local: ").append(topology.edges().size()).append(" edges in ")
                .append(topology.regions().size()).append(" regions, all on loopback\n");
        out.append("  work dir ").append(workDir).append("; demo site copied from ").append(siteSource).append("\n\n");
        String row = "  %-15s %-7s %-26s %s%n";
        out.append(String.format(row, "NODE", "REGION", "URL", "HEALTH (per control plane)"));
        out.append(String.format(row, "control-plane", "-", plane,
                "API /api/v1, dashboard /dashboard, steering (302) on every other path"));
        out.append(String.format(row, "dns", "-", "udp+tcp " + topology.dns().listen(),
                "authoritative for " + topology.dns().zone() + ": " + topology.dns().name() + " -> nearest edge"));
        out.append(String.format(row, "origin", topology.origin().region(), origin,
                "serving; internal listener " + originInternal + ", WAN relays in front"));
        int dnsPort = ListenAddress.parse(topology.dns().listen()).port();
        for (Topology.Region region : topology.regions()) {
            out.append(String.format(row, "steering-" + region.name(), region.name(), steering(topology, region),
                    "302 + /api/v1/route, DNS on udp+tcp " + region.steeringAddress() + ":" + dnsPort
                            + "; follows the control plane's state"));
        }
        for (Topology.Replica replica : topology.origin().replicas()) {
            out.append(String.format(row, "origin-" + replica.region(), replica.region(), replica.url(),
                    "replica, copies the origin over the " + replica.region() + "-" + topology.origin().region()
                            + " link; " + replica.region() + " edges fetch from it first"
                            + (shield == LocalCdn.Shield.IN_ORIGIN_REGION ? " when the shield does not answer" : "")));
        }
        if (shield == LocalCdn.Shield.IN_ORIGIN_REGION) {
            EdgeSpec spec = topology.shield();
            String health = nodes.stream().filter(n -> n.id().equals(spec.id())).findFirst()
                    .map(n -> n.healthy() ? "healthy" : "unhealthy").orElse("not registered");
            out.append(String.format(row, spec.id(), spec.region(), spec.url(), health + "; shield: the other "
                    + "edges fetch their misses from it (Cache-Status names it Outpost-shield)"));
        }
        for (EdgeSpec edge : topology.edges()) {
            String health = nodes.stream().filter(n -> n.id().equals(edge.id())).findFirst()
                    .map(n -> n.healthy() ? (n.caughtUp() ? "healthy" : "healthy, catching up") : "unhealthy")
                    .orElse("not registered");
            out.append(String.format(row, edge.id(), edge.region(), edge.url(), health));
        }
        out.append("\n  WAN links, one-way: ");
        out.append(String.join(", ", topology.delays().entrySet().stream()
                .map(d -> d.getKey() + " " + Durations.format(d.getValue())).toList()));
        out.append("; edge -> origin and client -> origin (").append(origin)
                .append(") cross them, client -> edge does not\n\n");
        StringBuilder commands = new StringBuilder();
        appendCommands(commands, topology, plane, origin);
        commands.toString().lines().forEach(line -> out.append(line.startsWith("Try") ? "" : "  ").append(line)
                .append('\n'));
        out.append("\nCtrl-C stops everything.\n");
        return out.toString();
    }

    /** Where each node writes its access log (JSON lines; docs/logging.md), and how to follow one request. */
    static String accessLogs(Path dir, Map<String, Path> files) {
        StringBuilder out = new StringBuilder("Access logs, one JSON line per request, one file per node, in ")
                .append(dir).append(":\n");
        files.forEach((node, file) -> out.append(String.format("  %-15s %s%n", node, file)));
        out.append("  follow one request across nodes by its trace id: grep '\"traceId\":\"<id>\"' ").append(dir)
                .append("/*.access.log\n");
        return out.toString();
    }

    private static void appendCommands(StringBuilder out, Topology topology, String plane, String origin) {
        String originRegion = topology.origin().region();
        List<Topology.Region> others = topology.regions().stream().filter(r -> !r.name().equals(originRegion))
                .toList();
        Topology.Region near = others.stream()
                .min(Comparator.comparing(r -> topology.delay(r.name(), originRegion)))
                .orElse(topology.region(originRegion));
        Topology.Region far = others.stream()
                .max(Comparator.comparing(r -> topology.delay(r.name(), originRegion)))
                .orElse(near);
        String nearClient = clientAddress(near);
        String farClient = clientAddress(far);
        String api = topology.controlPlane().equals(DEFAULT_API) ? "" : " --api " + plane;
        String token = " --token " + LocalCdn.OPS_TOKEN;
        String auth = "-H 'Authorization: Bearer " + LocalCdn.OPS_TOKEN + "'";
        String timing = "-o /dev/null -w '%{http_code} %{time_total}s\\n'";

        out.append("Try it (a client in a region = curl --interface <an address of its network>):\n");
        comment(out, "the live dashboard: open it in a browser and sign in with the token " + LocalCdn.OPS_TOKEN);
        out.append(plane).append("/dashboard\n");
        String nearSteering = steering(topology, near);
        String farSteering = steering(topology, far);
        comment(out, "a client in " + near.name() + ", steered (302) by its region's steering instance to an "
                + near.name() + " edge; run it twice: X-Cache MISS, then HIT");
        out.append("curl -iL --interface ").append(nearClient).append(' ').append(nearSteering)
                .append("/index.html\n");
        comment(out, "the same from " + far.name());
        out.append("curl -iL --interface ").append(farClient).append(' ').append(farSteering)
                .append("/index.html\n");
        comment(out, "timing: the large file through the " + far.name() + " edge (twice: miss, then hit), and "
                + "straight from the origin in " + originRegion + " for comparison");
        out.append("curl -sL ").append(timing).append(" --interface ").append(farClient).append(' ')
                .append(farSteering).append(LARGE_FILE).append('\n');
        out.append("curl -sL ").append(timing).append(" --interface ").append(farClient).append(' ')
                .append(farSteering).append(LARGE_FILE).append('\n');
        out.append("curl -s ").append(timing).append(" --interface ").append(farClient).append(' ').append(origin)
                .append(LARGE_FILE).append('\n');
        comment(out, "DNS steering: each region's client asks its region's steering instance and gets an edge of its "
                + "region for " + topology.dns().name() + ", no redirect");
        ListenAddress dns = ListenAddress.parse(topology.dns().listen());
        for (Topology.Region region : topology.regions()) {
            out.append("dig @").append(region.steeringAddress()).append(" -p ").append(dns.port()).append(" -b ")
                    .append(clientAddress(region)).append(' ').append(topology.dns().name()).append("   # ")
                    .append(region.name()).append('\n');
        }
        String dnsName = topology.dns().name();
        comment(out, "then fetch through the answered edge (a DNS answer has no port: the edges' is "
                + topology.edgePort() + ")");
        out.append("curl -i --interface ").append(farClient).append(" --resolve ").append(dnsName).append(':')
                .append(topology.edgePort()).append(":$(dig +short @").append(far.steeringAddress()).append(" -p ")
                .append(dns.port()).append(" -b ").append(farClient).append(' ').append(dnsName)
                .append(") http://").append(dnsName).append(':').append(topology.edgePort()).append("/index.html\n");
        comment(out, "the control plane answers too (302 on " + plane + ", DNS on " + dns + "), and the route API "
                + "says which state a steering instance decided by");
        out.append("curl -s ").append(auth).append(" '").append(farSteering)
                .append("/api/v1/route?url=http://www.example.com/index.html&client=").append(farClient)
                .append("'\n");
        comment(out, "purge everything tagged static (/assets/**) on every edge, waiting for every ack");
        out.append("./outpost purge").append(api).append(token).append(" --tag static --wait\n");
        out.append("curl -s ").append(auth).append(" -H 'Content-Type: application/json' -d '{\"tags\":[\"static\"]}' ")
                .append(plane).append("/api/v1/purges\n");
        comment(out, "push (preload) a file into the " + far.name() + " edges, so a first request there is a HIT "
                + "(the cache key holds the host, so name each edge's)");
        String pushUrls = far.edges().stream().map(host -> " --url http://" + host + "/assets/app.js")
                .reduce("", String::concat);
        out.append("./outpost push").append(api).append(token).append(" --region ").append(far.name())
                .append(pushUrls).append(" --wait\n");
        out.append("curl -iL --interface ").append(farClient).append(' ').append(plane).append("/assets/app.js\n");
        comment(out, "nodes and recent purges");
        out.append("./outpost status").append(api).append(token).append('\n');
        out.append("curl -s ").append(auth).append(' ').append(plane).append("/api/v1/nodes\n");
    }

    /** {@code http://127.0.2.53:8000}: the region's steering instance, on the control plane's port. */
    static String steering(Topology topology, Topology.Region region) {
        return "http://" + region.steeringAddress() + ":" + topology.controlPlaneAddress().port();
    }

    private static void comment(StringBuilder out, String text) {
        out.append("# ").append(text).append('\n');
    }

    /** Host number 50 of the region's network (a client, not an edge), or the network's first address if small. */
    static String clientAddress(Topology.Region region) {
        Cidr network = region.network();
        return network.size() > 52 ? network.host(50) : network.host(1);
    }
}
