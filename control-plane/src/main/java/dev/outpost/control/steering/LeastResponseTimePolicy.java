package dev.outpost.control.steering;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code least-response-time}: the edge whose responses were fastest lately (the moving average its heartbeat
 * reports), ties by rendezvous hash of the key. An edge that has served nothing yet reports 0 and is tried first,
 * which is how a new edge gets its first measurements.
 */
final class LeastResponseTimePolicy implements Policy {
    static final String NAME = "least-response-time";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Pick pick(Request request, List<Candidate> eligible) {
        List<Candidate> ranked = RendezvousPolicy.leastLoadedFirst(request.key(), eligible,
                Comparator.comparingDouble(Candidate::responseMillis));
        String used = eligible.stream()
                .map(c -> c.id() + "=" + String.format(Locale.ROOT, "%.1fms", c.responseMillis()))
                .collect(Collectors.joining(","));
        return new Pick(ranked, Map.of("responseMillis", used, "key", request.key()));
    }
}
