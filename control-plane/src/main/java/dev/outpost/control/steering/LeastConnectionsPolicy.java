package dev.outpost.control.steering;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code least-connections}: the edge with the fewest requests in flight at its last heartbeat; ties (the usual
 * case on an idle CDN) go by rendezvous hash of the key, so an idle region keeps its cache locality. The counts are
 * as old as the heartbeat interval: between two heartbeats every request goes to the same least-loaded edge.
 */
final class LeastConnectionsPolicy implements Policy {
    static final String NAME = "least-connections";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Pick pick(Request request, List<Candidate> eligible) {
        List<Candidate> ranked = RendezvousPolicy.leastLoadedFirst(request.key(), eligible,
                Comparator.comparingLong(Candidate::activeRequests));
        String used = eligible.stream().map(c -> c.id() + "=" + c.activeRequests())
                .collect(Collectors.joining(","));
        return new Pick(ranked, Map.of("activeRequests", used, "key", request.key()));
    }
}
