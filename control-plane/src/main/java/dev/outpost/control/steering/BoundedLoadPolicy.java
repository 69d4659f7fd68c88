package dev.outpost.control.steering;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code rendezvous-bounded-load}: rendezvous hashing of the key, but an edge above the load bound is passed over
 * for the next one in the key's order (consistent hashing with bounded loads, Mirrokni, Thorup and Zadimoghaddam,
 * 2018). The bound is {@code ceil(loadFactor * (total in flight + 1) / edges)}, so at least one edge is always
 * under it; load is the requests in flight each edge reported in its last heartbeat. Keys stay where they are while
 * their edge is under the bound, so locality is lost only for the hot edge's overflow.
 */
final class BoundedLoadPolicy implements Policy {
    static final String NAME = "rendezvous-bounded-load";

    private final double loadFactor;

    BoundedLoadPolicy(double loadFactor) {
        if (!(loadFactor >= 1)) {
            throw new IllegalArgumentException("loadFactor must be >= 1, was " + loadFactor);
        }
        this.loadFactor = loadFactor;
    }

    @Override
    public String name() {
        return NAME;
    }

    long bound(List<Candidate> eligible) {
        long total = eligible.stream().mapToLong(Candidate::activeRequests).sum();
        return (long) Math.ceil(loadFactor * (total + 1) / eligible.size());
    }

    @Override
    public Pick pick(Request request, List<Candidate> eligible) {
        long bound = bound(eligible);
        List<Candidate> under = new ArrayList<>();
        List<Candidate> over = new ArrayList<>();
        for (Candidate edge : RendezvousPolicy.byScore(request.key(), eligible)) {
            (edge.activeRequests() < bound ? under : over).add(edge);
        }
        List<Candidate> ranked = new ArrayList<>(under);
        ranked.addAll(over);
        String loads = eligible.stream().map(c -> c.id() + "=" + c.activeRequests())
                .collect(Collectors.joining(","));
        return new Pick(ranked, Map.of("key", request.key(), "activeRequests", loads, "bound",
                Long.toString(bound), "loadFactor", String.format(Locale.ROOT, "%.2f", loadFactor),
                "shedFrom", over.stream().map(Candidate::id).collect(Collectors.joining(","))));
    }
}
