package dev.outpost.control.steering;

import dev.outpost.control.registry.Node;
import dev.outpost.control.registry.Registry;
import java.util.List;
import java.util.function.Supplier;

/**
 * The registry's edges as steering candidates: health, caught-up state and the load of their last heartbeat. Every
 * front door (302, route API, DNS) reads its snapshot here, without locks or I/O.
 */
public final class RegisteredEdges implements Supplier<List<Candidate>> {
    private final Registry registry;

    public RegisteredEdges(Registry registry) {
        this.registry = registry;
    }

    @Override
    public List<Candidate> get() {
        return registry.edges().stream().map(this::candidate).toList();
    }

    private Candidate candidate(Node node) {
        return new Candidate(node.id(), node.region(), node.registration().publicUrl(), registry.healthy(node),
                registry.caughtUp(node), node.stats().activeRequests(), node.stats().responseMillis());
    }
}
