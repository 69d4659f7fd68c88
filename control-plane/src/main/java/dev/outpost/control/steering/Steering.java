package dev.outpost.control.steering;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides which edge serves a client, as a pure function of the request and a snapshot of the edges; the HTTP 302,
 * {@code /api/v1/route} and the DNS server all ask here (one policy, three front doors):
 * <ol>
 * <li>client address (believing {@code X-Forwarded-For} only from trusted proxies; for DNS the EDNS Client Subnet,
 * else the resolver's address) → region by the CIDR table, else the default region;</li>
 * <li>that region if it has an eligible edge (healthy and caught up with purges), else the nearest region that
 * has one by the latency matrix;</li>
 * <li>within it, the load-balancing policy of the service or region ({@link Policies}); by default rendezvous
 * hashing of the cache key (host + normalized path; for DNS the host name) so one URL sticks to one edge.</li>
 * </ol>
 */
public final class Steering {
    public static final String VIA_HTTP = "http";
    public static final String VIA_DNS = "dns";

    private final RegionTable regions;
    private final LatencyMatrix latency;
    private final Set<String> regionNames;
    private final ClientAddress clientAddress;
    private final Policies policies;

    public Steering(RegionTable regions, LatencyMatrix latency, Set<String> regionNames,
            ClientAddress clientAddress) {
        this(regions, latency, regionNames, clientAddress, Policies.rendezvous());
    }

    public Steering(RegionTable regions, LatencyMatrix latency, Set<String> regionNames,
            ClientAddress clientAddress, Policies policies) {
        this.regions = regions;
        this.latency = latency;
        this.regionNames = Set.copyOf(regionNames);
        this.clientAddress = clientAddress;
        this.policies = policies;
    }

    /** An HTTP request: the client is the peer (or what trusted proxies say), the key its host and path. */
    public Decision decide(String peer, Optional<String> forwardedFor, String host, String rawPath,
            List<Candidate> edges) {
        String client = clientAddress.resolve(peer, forwardedFor);
        byte[] address = Cidr.literal(client).orElseGet(() -> new byte[4]);
        return decide(VIA_HTTP, client, client, address, cacheKey(host, rawPath), host, edges);
    }

    /**
     * A DNS query for {@code host}: the client is {@code subnet} (the EDNS Client Subnet the resolver sent, e.g.
     * {@code 203.0.113.0/24}) or the resolver's own address; the key is the host name, since a DNS answer holds for
     * every URL of that name. {@code edges} are those the answer can name (an address of the asked family).
     */
    public Decision decideForResolver(byte[] address, String client, String host, List<Candidate> edges) {
        String name = host.toLowerCase(Locale.ROOT);
        return decide(VIA_DNS, client, client, address, name, name, edges);
    }

    /**
     * The longest prefix of {@code address} over which the region (and so the answer of every policy keyed on the
     * host, not the client) stays the same: the scope of a DNS answer (RFC 7871). Policies keyed on the client
     * ({@code ip-hash}) are valid only for the subnet they hashed, {@code sourcePrefix}.
     */
    public int scopePrefix(byte[] address, int sourcePrefix, Decision decision) {
        int scope = regions.scopeOf(address);
        return decision.policy().equals(IpHashPolicy.NAME) ? Math.max(scope, sourcePrefix) : scope;
    }

    private Decision decide(String via, String client, String hashedClient, byte[] address, String key, String host,
            List<Candidate> edges) {
        RegionTable.Match match = regions.regionOf(address);
        String where = match.cidr().map(c -> "region " + match.region() + " matched " + c)
                .orElse("no network matched " + client + "; default region " + match.region());
        for (String region : latency.byDistance(match.region(), regionNames)) {
            List<Candidate> inRegion = edges.stream().filter(e -> e.region().equals(region)).toList();
            List<Candidate> eligible = inRegion.stream().filter(Candidate::eligible)
                    .sorted(java.util.Comparator.comparing(Candidate::id)).toList();
            if (eligible.isEmpty()) {
                continue;
            }
            Policy policy = policies.of(hostOnly(host), region);
            Pick pick = policy.pick(new Policy.Request(key, hashedClient, region), eligible);
            Candidate chosen = pick.chosen();
            boolean fallback = !region.equals(match.region());
            List<String> skipped = inRegion.stream().filter(e -> !e.eligible())
                    .map(e -> e.id() + (e.healthy() ? " (catching up)" : " (unhealthy)")).toList();
            String reason = where + (fallback ? "; no eligible edge there, fell back to nearest region " + region
                    : "") + "; " + chosen.id() + " by " + policy.name() + " " + new TreeMap<>(pick.inputs())
                    + " among " + eligible.size() + " eligible";
            return new Decision(via, client, match.region(), match.cidr(), region, fallback, key,
                    eligible.stream().map(Candidate::id).toList(), skipped, policy.name(), pick.inputs(),
                    pick.ranked(), Optional.of(chosen), reason);
        }
        List<String> skipped = edges.stream().map(e -> e.id() + (e.healthy() ? " (catching up)" : " (unhealthy)"))
                .toList();
        Policy policy = policies.of(hostOnly(host), match.region());
        return new Decision(via, client, match.region(), match.cidr(), match.region(), false, key, List.of(),
                skipped, policy.name(), Map.of(), List.of(), Optional.empty(),
                where + "; no healthy, caught-up edge in any region");
    }

    private static String hostOnly(String host) {
        String key = cacheKey(host, "/");
        return key.substring(0, key.length() - 1);
    }

    /** Host (lower case, no port) + path with dot segments removed and escapes upper-cased; the query is not used. */
    public static String cacheKey(String host, String rawPath) {
        String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
        if (!h.startsWith("[") && h.indexOf(':') >= 0) {
            h = h.substring(0, h.indexOf(':'));
        } else if (h.startsWith("[") && h.contains("]:")) {
            h = h.substring(0, h.indexOf("]:") + 1);
        }
        return h + normalizePath(rawPath);
    }

    static String normalizePath(String rawPath) {
        String path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        StringBuilder escaped = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length()) {
                escaped.append('%').append(path.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
                i += 2;
            } else {
                escaped.append(c);
            }
        }
        Deque<String> out = new ArrayDeque<>();
        for (String segment : escaped.toString().split("/", -1)) {
            if (segment.equals(".") || segment.isEmpty() && !out.isEmpty()) {
                continue;
            }
            if (segment.equals("..")) {
                out.pollLast();
            } else if (!segment.isEmpty()) {
                out.addLast(segment);
            }
        }
        String normalized = "/" + String.join("/", new ArrayList<>(out));
        return path.endsWith("/") && !normalized.endsWith("/") ? normalized + "/" : normalized;
    }
}
