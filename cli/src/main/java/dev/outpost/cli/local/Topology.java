package dev.outpost.cli.local;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.json.Durations;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What {@code outpost local} runs, read from a topology file ({@code deploy/local-topology.yml} holds the defaults):
 * where the control plane and the origin listen, the regions with their client networks and edges, and the one-way
 * WAN delay between every pair of regions. Validated whole when read, each problem naming its field.
 *
 * @param controlPlane  the control plane's API + steering listener
 * @param origin        the origin's public address (a WAN relay in front of its internal listener), its region and
 *                      its replicas
 * @param edgePort      port of every edge's public listener, on the edge's own address
 * @param edgeAdminPort port of every edge's admin listener, on the edge's own address
 * @param regions       in order; the first region's name is also the fallback for clients no network matches
 * @param delays        one-way delay per pair of distinct regions, keyed {@code us-eu} (either order)
 * @param dns           the control plane's authoritative DNS server and the CDN name it steers
 */
public record Topology(String controlPlane, Origin origin, Integer edgePort, Integer edgeAdminPort,
        List<Region> regions, Map<String, Duration> delays, Dns dns) {
    private static final Pattern REGION_NAME = Pattern.compile("[a-z][a-z0-9]{0,15}");

    /**
     * The origin's public address, the region it lives in, and its replicas.
     *
     * @param replicas read-only copies of the origin in other regions, each fed from the origin over its region's
     *                 WAN link; that region's edges fetch from it first, with the origin as their backup
     */
    public record Origin(String listen, String region, List<Replica> replicas) {
        public Origin {
            listen = ConfigValues.or(listen, "127.0.0.1:8080");
            checkListen("origin.listen", listen);
            region = ConfigValues.or(region, "us");
            replicas = ConfigValues.orEmpty(replicas);
        }

        /** The replica in {@code region}, if there is one. */
        public Optional<Replica> replicaIn(String region) {
            return replicas.stream().filter(r -> r.region().equals(region)).findFirst();
        }
    }

    /**
     * A replica of the origin.
     *
     * @param region where it lives (not the origin's own region, one replica per region)
     * @param listen its address, reached by that region's edges without crossing a WAN link
     */
    public record Replica(String region, String listen) {
        public Replica {
            if (region == null) {
                throw new IllegalArgumentException("origin.replicas[].region must be set");
            }
            if (listen == null) {
                throw new IllegalArgumentException("origin.replicas[" + region + "].listen must be set");
            }
            checkListen("origin.replicas[" + region + "].listen", listen);
        }

        public String url() {
            return "http://" + listen;
        }
    }

    /**
     * One region.
     *
     * @param name        short lower-case name ({@code eu}), used in edge ids ({@code eu-1}) and delay keys
     * @param clients     the network of this region's clients ({@code 127.0.2.0/24}); steering uses it
     * @param edges       the edges' addresses; or give {@code edgeCount} for the first N addresses of {@code clients}
     * @param edgeCount   how many edges, numbered from the network's first address
     * @param originRelay where this region's end of the WAN link to the origin listens (default: address .254 of
     *                    {@code clients}); unused in the origin's own region
     */
    public record Region(String name, String clients, List<String> edges, Integer edgeCount,
            Optional<String> originRelay) {
        /** The host number of a region's steering instance in its network ({@code 127.0.2.53}). */
        static final int STEERING_HOST = 53;

        public Region {
            if (name == null || !REGION_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("regions[].name: '" + name
                        + "' must be a short lower-case name such as eu (letters and digits, no '-')");
            }
            String field = "regions[" + name + "]";
            Cidr network = parseField(field + ".clients", () -> Cidr.parse(clients));
            if ((edges == null || edges.isEmpty()) == (edgeCount == null)) {
                throw new IllegalArgumentException(field + ": give either edges (addresses) or edgeCount");
            }
            if (edgeCount != null) {
                if (edgeCount < 1 || edgeCount > 250 || edgeCount >= network.size() - 2) {
                    throw new IllegalArgumentException(field + ".edgeCount must be 1.." + Math.min(250,
                            network.size() - 3) + " for " + network + ", was " + edgeCount);
                }
                List<String> numbered = new ArrayList<>();
                for (int n = 1; n <= edgeCount; n++) {
                    numbered.add(network.host(n));
                }
                edges = List.copyOf(numbered);
            } else {
                edges = List.copyOf(edges);
                for (String edge : edges) {
                    parseField(field + ".edges", () -> Cidr.ipv4(edge));
                }
            }
            originRelay = ConfigValues.orEmpty(originRelay);
            originRelay.ifPresent(relay -> parseField(field + ".originRelay", () -> Cidr.ipv4(relay)));
            if (network.size() <= STEERING_HOST + 1) {
                throw new IllegalArgumentException(field + ".clients: " + network + " has no address ."
                        + STEERING_HOST + " for the region's steering instance; give a larger network");
            }
        }

        Cidr network() {
            return Cidr.parse(clients);
        }

        /** This region's end of its WAN link to the origin: {@code originRelay}, or address .254 of its network. */
        public String relayAddress() {
            return originRelay.orElseGet(() -> network().host(254));
        }

        /**
         * Where this region's steering instance answers (302 on the control plane's port, DNS on the DNS port):
         * address .53 of its network, where its clients reach it without crossing a WAN link.
         */
        public String steeringAddress() {
            return network().host(STEERING_HOST);
        }
    }

    /**
     * The control plane's DNS server: where it listens (UDP and TCP) and the CDN host name it answers with the
     * nearest edge for the asking client's network; the zone served is the name's parent ({@code outpost.test}).
     *
     * @param listen default {@code 127.0.0.1:8053}
     * @param name   default {@code cdn.outpost.test}
     */
    public record Dns(String listen, String name) {
        public Dns {
            listen = ConfigValues.or(listen, "127.0.0.1:8053");
            checkListen("dns.listen", listen);
            name = ConfigValues.or(name, "cdn.outpost.test").toLowerCase(java.util.Locale.ROOT);
            if (!name.matches("[a-z0-9-]+(\\.[a-z0-9-]+)+")) {
                throw new IllegalArgumentException("dns.name: '" + name + "' must be a host name with a parent "
                        + "domain, such as cdn.outpost.test");
            }
        }

        /** The zone served: the name's parent. */
        public String zone() {
            return name.substring(name.indexOf('.') + 1);
        }
    }

    /** An edge as the launcher starts it. */
    public record EdgeSpec(String id, String region, String host, int port, int adminPort) {
        public String url() {
            return "http://" + host + ":" + port;
        }
    }

    public Topology {
        controlPlane = ConfigValues.or(controlPlane, "127.0.0.1:8000");
        checkListen("controlPlane", controlPlane);
        origin = ConfigValues.or(origin, new Origin(null, null, null));
        edgePort = ConfigValues.between("edgePort", edgePort, 8080, 1, 65535);
        edgeAdminPort = ConfigValues.between("edgeAdminPort", edgeAdminPort, 9080, 1, 65535);
        if (regions == null || regions.isEmpty()) {
            throw new IllegalArgumentException("regions must name at least one region");
        }
        regions = List.copyOf(regions);
        Map<String, Region> byName = new LinkedHashMap<>();
        for (Region region : regions) {
            if (byName.put(region.name(), region) != null) {
                throw new IllegalArgumentException("regions: '" + region.name() + "' is named twice");
            }
        }
        if (!byName.containsKey(origin.region())) {
            throw new IllegalArgumentException("origin.region: '" + origin.region() + "' is not one of the regions "
                    + byName.keySet());
        }
        for (Region region : regions) {
            String field = "regions[" + region.name() + "].originRelay";
            if (region.name().equals(origin.region()) && region.originRelay().isPresent()) {
                throw new IllegalArgumentException(field + ": the origin lives in " + origin.region()
                        + ", so this region has no WAN link to it and the relay would never be used; remove the key");
            }
            if (!region.name().equals(origin.region()) && region.originRelay().isEmpty()
                    && region.network().size() < 256) {
                throw new IllegalArgumentException(field + " must be set: " + region.network()
                        + " has no address .254 for it");
            }
        }
        java.util.Set<String> replicated = new java.util.HashSet<>();
        for (Replica replica : origin.replicas()) {
            String field = "origin.replicas[" + replica.region() + "]";
            if (!byName.containsKey(replica.region())) {
                throw new IllegalArgumentException(field + ".region: '" + replica.region()
                        + "' is not one of the regions " + byName.keySet());
            }
            if (replica.region().equals(origin.region())) {
                throw new IllegalArgumentException(field + ".region: the origin itself is in " + origin.region()
                        + "; a replica goes in another region");
            }
            if (!replicated.add(replica.region())) {
                throw new IllegalArgumentException(field + ": one replica per region");
            }
        }
        delays = checkDelays(ConfigValues.orEmpty(delays), byName.keySet());
        dns = ConfigValues.or(dns, new Dns(null, null));
        checkNoSharedAddress(controlPlane, origin, edgePort, edgeAdminPort, regions, dns);
    }

    /** Reads and validates a topology file; a {@code ConfigException} names the file and the field otherwise. */
    public static Topology load(Path file) {
        return ConfigFiles.load(file, Topology.class);
    }

    /** The built-in topology of docs/architecture.md, "The local topology" (the same as {@code deploy/local-topology.yml}). */
    public static Topology defaults() {
        String yaml = """
                controlPlane: 127.0.0.1:8000
                origin: {listen: 127.0.0.1:8080, region: us, replicas: [{region: eu, listen: 127.0.2.253:8080}]}
                edgePort: 8080
                edgeAdminPort: 9080
                regions:
                  - {name: us, clients: 127.0.1.0/24, edges: [127.0.1.1, 127.0.1.2]}
                  - {name: eu, clients: 127.0.2.0/24, edges: [127.0.2.1, 127.0.2.2]}
                  - {name: ap, clients: 127.0.3.0/24, edges: [127.0.3.1, 127.0.3.2]}
                delays: {us-eu: 40ms, us-ap: 90ms, eu-ap: 120ms}
                dns: {listen: 127.0.0.1:8053, name: cdn.outpost.test}
                """;
        return ConfigFiles.parse("built-in topology.yml", yaml.getBytes(StandardCharsets.UTF_8), Topology.class);
    }

    /** Every edge, region by region, with ids {@code <region>-<n>}. */
    public List<EdgeSpec> edges() {
        List<EdgeSpec> all = new ArrayList<>();
        for (Region region : regions) {
            for (int i = 0; i < region.edges().size(); i++) {
                all.add(new EdgeSpec(region.name() + "-" + (i + 1), region.name(), region.edges().get(i), edgePort,
                        edgeAdminPort));
            }
        }
        return all;
    }

    /**
     * The shield {@code outpost local} runs unless told not to: {@code <origin region>-shield-1} on address .200 of
     * the origin region's client network, on the edge ports.
     */
    public EdgeSpec shield() {
        Region home = regions.stream().filter(r -> r.name().equals(origin.region())).findFirst().orElseThrow();
        if (home.network().size() <= SHIELD_HOST + 1) {
            throw new IllegalArgumentException("regions[" + home.name() + "].clients: " + home.network() + " has no "
                    + "address ." + SHIELD_HOST + " for the shield; give a larger network or run with --no-shield");
        }
        String host = home.network().host(SHIELD_HOST);
        if (home.edges().contains(host)) {
            throw new IllegalArgumentException("regions[" + home.name() + "].edges: " + host + " is the shield's "
                    + "address; give the edge another one or run with --no-shield");
        }
        return new EdgeSpec(home.name() + "-shield-1", home.name(), host, edgePort, edgeAdminPort);
    }

    /** The host number of the shield in the origin region's network ({@code 127.0.1.200}). */
    static final int SHIELD_HOST = 200;

    /** The one-way delay between two regions; zero within one. */
    public Duration delay(String from, String to) {
        if (from.equals(to)) {
            return Duration.ZERO;
        }
        Duration delay = delays.get(from + "-" + to);
        return delay != null ? delay : delays.get(to + "-" + from);
    }

    /** The region whose client network holds {@code client}, if any. */
    public Optional<String> regionOf(InetAddress client) {
        return regions.stream().filter(r -> r.network().contains(client)).map(Region::name).findFirst();
    }

    public Region region(String name) {
        return regions.stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no region " + name));
    }

    ListenAddress controlPlaneAddress() {
        return ListenAddress.parse(controlPlane);
    }

    ListenAddress originAddress() {
        return ListenAddress.parse(origin.listen());
    }

    /** Keys normalised to the regions' order ({@code us-eu} for {@code eu-us}); each pair exactly once. */
    private static Map<String, Duration> checkDelays(Map<String, Duration> given, java.util.Set<String> names) {
        List<String> order = List.copyOf(names);
        Map<String, Duration> normalised = new LinkedHashMap<>();
        Map<String, String> seenAs = new HashMap<>();
        for (var entry : given.entrySet()) {
            String key = entry.getKey();
            String[] pair = key.split("-", -1);
            if (pair.length != 2 || !names.contains(pair[0]) || !names.contains(pair[1]) || pair[0].equals(pair[1])) {
                throw new IllegalArgumentException("delays." + key + ": a key must name two different regions of "
                        + names + ", as in " + order.get(0) + "-" + (order.size() > 1 ? order.get(1) : "other"));
            }
            Duration delay = entry.getValue();
            if (delay == null || delay.isNegative()) {
                throw new IllegalArgumentException("delays." + key + " must be a duration >= 0 such as 40ms");
            }
            if (delay.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("delays." + key + " must be at most 10s, was "
                        + Durations.format(delay));
            }
            boolean inOrder = order.indexOf(pair[0]) < order.indexOf(pair[1]);
            String canonical = inOrder ? key : pair[1] + "-" + pair[0];
            String earlier = seenAs.put(canonical, key);
            if (earlier != null) {
                throw new IllegalArgumentException("delays: " + earlier + " and " + key + " name the same pair");
            }
            normalised.put(canonical, delay);
        }
        for (int i = 0; i < order.size(); i++) {
            for (int j = i + 1; j < order.size(); j++) {
                String pair = order.get(i) + "-" + order.get(j);
                if (!normalised.containsKey(pair)) {
                    throw new IllegalArgumentException("delays: missing " + pair + " (one-way delay between "
                            + order.get(i) + " and " + order.get(j) + ", e.g. " + pair + ": 40ms)");
                }
            }
        }
        return java.util.Collections.unmodifiableMap(normalised); // in the regions' order, for printing
    }

    /** Two listeners on one address:port would only fail at startup, with a less helpful message. */
    private static void checkNoSharedAddress(String controlPlane, Origin origin, int edgePort, int edgeAdminPort,
            List<Region> regions, Dns dns) {
        Map<String, String> owners = new HashMap<>();
        claim(owners, ListenAddress.parse(dns.listen()).toString(), "dns.listen");
        ListenAddress originAddress = ListenAddress.parse(origin.listen());
        claim(owners, ListenAddress.parse(controlPlane).toString(), "controlPlane");
        claim(owners, originAddress.toString(), "origin.listen");
        for (Replica replica : origin.replicas()) {
            claim(owners, ListenAddress.parse(replica.listen()).toString(),
                    "origin.replicas[" + replica.region() + "].listen");
        }
        for (Region region : regions) {
            for (String edge : region.edges()) {
                claim(owners, edge + ":" + edgePort, "regions[" + region.name() + "].edges " + edge);
                claim(owners, edge + ":" + edgeAdminPort, "regions[" + region.name() + "].edges " + edge
                        + " (admin)");
            }
            if (!region.name().equals(origin.region())) {
                claim(owners, region.relayAddress() + ":" + originAddress.port(),
                        "regions[" + region.name() + "].originRelay");
            }
            claim(owners, region.steeringAddress() + ":" + ListenAddress.parse(controlPlane).port(),
                    "regions[" + region.name() + "] steering (address ." + Region.STEERING_HOST + ")");
        }
    }

    private static void claim(Map<String, String> owners, String address, String field) {
        String owner = owners.putIfAbsent(address, field);
        if (owner != null) {
            throw new IllegalArgumentException(field + ": address " + address + " is already used by " + owner);
        }
    }

    private static void checkListen(String field, String value) {
        ListenAddress address = parseField(field, () -> ListenAddress.parse(value));
        parseField(field, () -> Cidr.ipv4(address.host()));
        if (address.port() == 0) {
            throw new IllegalArgumentException(field + ": needs a fixed port (clients must know it), was "
                    + value);
        }
    }

    private static <T> T parseField(String field, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            // no cause: config errors report the innermost message, and this one carries the field
            throw new IllegalArgumentException(field + ": " + e.getMessage());
        }
    }
}
