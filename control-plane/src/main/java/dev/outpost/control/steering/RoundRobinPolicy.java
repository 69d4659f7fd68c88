package dev.outpost.control.steering;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code round-robin}: each region's eligible edges in turn (by id), one turn counter per region, so every edge
 * gets the same share of requests whatever they ask for (no cache locality).
 */
final class RoundRobinPolicy implements Policy {
    static final String NAME = "round-robin";

    private final ConcurrentMap<String, AtomicLong> turns = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Pick pick(Request request, List<Candidate> eligible) {
        long turn = turns.computeIfAbsent(request.region(), r -> new AtomicLong()).getAndIncrement();
        int first = (int) Math.floorMod(turn, (long) eligible.size());
        List<Candidate> ranked = new ArrayList<>(eligible.size());
        for (int i = 0; i < eligible.size(); i++) {
            ranked.add(eligible.get((first + i) % eligible.size()));
        }
        return new Pick(ranked, Map.of("turn", Long.toString(turn)));
    }
}
