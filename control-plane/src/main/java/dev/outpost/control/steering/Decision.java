package dev.outpost.control.steering;

import java.util.List;
import java.util.Optional;

/**
 * Why a client goes where it goes: its address (after trusted proxies), the region that address maps to and by
 * which network, the region actually serving (a fallback when the client's own has no eligible edge), the
 * candidates considered there and the edge chosen. {@code chosen} is empty when no region has an eligible edge.
 *
 * @param reason one line for humans, e.g. {@code "region eu matched 127.0.2.0/24; eu-2 by rendezvous hash"}
 */
public record Decision(String client, String clientRegion, Optional<String> matchedCidr, String servingRegion,
        boolean fallback, String cacheKey, List<String> candidates, List<String> skipped, Optional<Candidate> chosen,
        String reason) {
}
