package dev.outpost.control.steering;

import java.util.List;
import java.util.Map;

/**
 * {@code ip-hash}: rendezvous hashing of the client (its address, or the subnet a resolver sent by EDNS Client
 * Subnet), so a client sticks to one edge whatever it asks for (session affinity) and only the clients of an edge
 * that leaves move.
 */
final class IpHashPolicy implements Policy {
    static final String NAME = "ip-hash";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Pick pick(Request request, List<Candidate> eligible) {
        return new Pick(RendezvousPolicy.byScore(request.client(), eligible), Map.of("client", request.client()));
    }
}
