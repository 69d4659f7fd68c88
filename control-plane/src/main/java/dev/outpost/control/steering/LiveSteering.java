package dev.outpost.control.steering;

import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

/**
 * The control plane's steering: its configured rules and its registry's edges, current by definition. It also
 * serves them as a {@link SteeringState} to steering replicas, so a replica decides with exactly these inputs.
 */
public final class LiveSteering implements SteeringSource {
    private final Steering steering;
    private final SteeringState.Rules rules;
    private final Supplier<List<Candidate>> edges;
    private final Clock clock;

    public LiveSteering(Steering steering, SteeringState.Rules rules, Supplier<List<Candidate>> edges, Clock clock) {
        this.steering = steering;
        this.rules = rules;
        this.edges = edges;
        this.clock = clock;
    }

    @Override
    public View view() {
        return new View(steering, edges.get(), Freshness.live());
    }

    /** What {@code GET /api/v1/steering/state} serves now. */
    public SteeringState state() {
        return SteeringState.of(clock.instant(), rules, edges.get());
    }
}
