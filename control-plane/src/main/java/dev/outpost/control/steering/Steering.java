package dev.outpost.control.steering;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which edge serves a client, as a pure function of the request and a snapshot of the edges:
 * <ol>
 * <li>client address (believing {@code X-Forwarded-For} only from trusted proxies) → region by the CIDR table,
 * else the default region;</li>
 * <li>that region if it has an eligible edge (healthy and caught up with purges), else the nearest region that
 * has one by the latency matrix;</li>
 * <li>within it, rendezvous hashing of the cache key (host + normalized path) so one URL sticks to one edge.</li>
 * </ol>
 */
public final class Steering {
    /** The name of the rules above, as the metrics label steering decisions with it. */
    public static final String POLICY = "nearest-region-rendezvous";

    private final RegionTable regions;
    private final LatencyMatrix latency;
    private final Set<String> regionNames;
    private final ClientAddress clientAddress;

    public Steering(RegionTable regions, LatencyMatrix latency, Set<String> regionNames,
            ClientAddress clientAddress) {
        this.regions = regions;
        this.latency = latency;
        this.regionNames = Set.copyOf(regionNames);
        this.clientAddress = clientAddress;
    }

    public Decision decide(String peer, Optional<String> forwardedFor, String host, String rawPath,
            List<Candidate> edges) {
        String client = clientAddress.resolve(peer, forwardedFor);
        RegionTable.Match match = Cidr.literal(client).map(regions::regionOf)
                .orElseGet(() -> regions.regionOf(new byte[4]));
        String key = cacheKey(host, rawPath);
        String where = match.cidr().map(c -> "region " + match.region() + " matched " + c)
                .orElse("no network matched " + client + "; default region " + match.region());

        for (String region : latency.byDistance(match.region(), regionNames)) {
            List<Candidate> inRegion = edges.stream().filter(e -> e.region().equals(region)).toList();
            List<Candidate> eligible = inRegion.stream().filter(Candidate::eligible).toList();
            if (eligible.isEmpty()) {
                continue;
            }
            Candidate chosen = Rendezvous.pick(key, eligible, Candidate::id).orElseThrow();
            boolean fallback = !region.equals(match.region());
            List<String> skipped = inRegion.stream().filter(e -> !e.eligible())
                    .map(e -> e.id() + (e.healthy() ? " (catching up)" : " (unhealthy)")).toList();
            String reason = where + (fallback ? "; no eligible edge there, fell back to nearest region " + region
                    : "") + "; " + chosen.id() + " by rendezvous hash of " + key + " among "
                    + eligible.size() + " eligible";
            return new Decision(client, match.region(), match.cidr(), region, fallback, key,
                    eligible.stream().map(Candidate::id).toList(), skipped, Optional.of(chosen), reason);
        }
        List<String> skipped = edges.stream().map(e -> e.id() + (e.healthy() ? " (catching up)" : " (unhealthy)"))
                .toList();
        return new Decision(client, match.region(), match.cidr(), match.region(), false, key, List.of(), skipped,
                Optional.empty(), where + "; no healthy, caught-up edge in any region");
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
