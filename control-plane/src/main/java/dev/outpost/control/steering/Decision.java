package dev.outpost.control.steering;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Why a client goes where it goes: which front door asked ({@code via}: {@code http} for the 302 and the route API,
 * {@code dns} for the DNS server), the client's address (after trusted proxies; for DNS the EDNS Client Subnet or
 * the resolver's address), the region that address maps to and by which network, the region actually serving (a
 * fallback when the client's own has no eligible edge), the candidates considered there, the policy that chose and
 * the inputs it used, every eligible edge in the policy's order ({@code ranked}, the choice first) and the edge
 * chosen. {@code chosen} is empty when no region has an eligible edge.
 *
 * @param reason one line for humans, e.g. {@code "region eu matched 127.0.2.0/24; eu-2 by rendezvous of ..."}
 */
public record Decision(String via, String client, String clientRegion, Optional<String> matchedCidr,
        String servingRegion, boolean fallback, String cacheKey, List<String> candidates, List<String> skipped,
        String policy, Map<String, String> inputs, List<Candidate> ranked, Optional<Candidate> chosen,
        String reason) {
    public Decision {
        inputs = Map.copyOf(inputs);
        ranked = List.copyOf(ranked);
    }
}
