package dev.outpost.control.replica;

import dev.outpost.control.steering.ClientAddress;
import dev.outpost.control.steering.LatencyMatrix;
import dev.outpost.control.steering.RegionTable;
import dev.outpost.control.steering.Steering;
import dev.outpost.control.steering.SteeringSource;
import dev.outpost.control.steering.SteeringState;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A steering replica's view: the last state fetched from a control plane, decided on by the same {@link Steering}
 * the control plane uses. Its age is the time since a control plane last confirmed it (a fresh state, or a 304 for
 * the one held); past {@code staleAfter} it is marked stale but still answered from: a front door that answers with
 * the edges that were healthy a while ago beats one that is down while the control plane is (docs/control-plane.md,
 * "Steering in every region"). Until the first state arrives there is nothing to decide by ({@code known} false).
 *
 * <p>The {@link Steering} is rebuilt only when the rules change (networks, latency, balancing), not on every edge
 * update, so round robin keeps its turns.
 */
final class ReplicaSteering implements SteeringSource {
    private static final Steering NOTHING = new Steering(new RegionTable(List.of(), "none"),
            new LatencyMatrix(Map.of()), Set.of(), new ClientAddress(List.of()));

    private record Held(SteeringState state, Steering steering, Instant confirmedAt, URI from) {
    }

    private final Clock clock;
    private final Duration staleAfter;
    private final ClientAddress clientAddress;
    private volatile Held held;
    private volatile Optional<String> lastError = Optional.empty();

    ReplicaSteering(Clock clock, Duration staleAfter, ClientAddress clientAddress) {
        this.clock = clock;
        this.staleAfter = staleAfter;
        this.clientAddress = clientAddress;
    }

    @Override
    public View view() {
        Held h = held;
        if (h == null) {
            return new View(NOTHING, List.of(), new Freshness(Freshness.REPLICA, false, 0, false, Optional.empty(),
                    lastError));
        }
        Duration age = Duration.between(h.confirmedAt(), clock.instant());
        return new View(h.steering(), h.state().edges(), new Freshness(Freshness.REPLICA, true,
                Math.max(0, age.toSeconds()), age.compareTo(staleAfter) > 0, Optional.of(h.state().version()),
                lastError));
    }

    /** A state fetched from {@code from}: held from now on. */
    void fetched(SteeringState state, URI from) {
        Held before = held;
        Steering steering = before != null && before.state().rules().equals(state.rules()) ? before.steering()
                : state.steering(clientAddress);
        held = new Held(state, steering, clock.instant(), from);
        lastError = Optional.empty();
    }

    /** {@code from} answered that the held state is still current. */
    void confirmed(URI from) {
        Held h = held;
        if (h != null) {
            held = new Held(h.state(), h.steering(), clock.instant(), from);
        }
        lastError = Optional.empty();
    }

    /** No control plane answered; the held state ages. */
    void failed(String why) {
        lastError = Optional.of(why);
    }

    /** The version held, for the next conditional fetch. */
    Optional<String> etag() {
        return Optional.ofNullable(held).map(h -> h.state().etag());
    }

    /** Seconds since a control plane last confirmed the state; empty before the first one. */
    Optional<Double> ageSeconds() {
        return Optional.ofNullable(held).map(h -> Duration.between(h.confirmedAt(), clock.instant()).toMillis()
                / 1000.0);
    }
}
