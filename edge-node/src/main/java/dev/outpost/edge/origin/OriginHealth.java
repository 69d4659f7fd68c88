package dev.outpost.edge.origin;

import dev.outpost.edge.config.OriginBreaker;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the edge remembers about each origin's health: a {@link Circuit} per origin URL, fed by every attempt
 * {@link OriginClient} makes, and the background probes of open circuits (one per origin at a time, waiting
 * {@code probeAfter}, then twice as long after each failed probe up to {@code maxProbeInterval}).
 *
 * <p>What counts as a failure: no response head at all (connection refused or reset, connect/read/total timeout,
 * TLS failure) and the gateway answers 502, 503 and 504, which say the origin (or the proxy in front of it) cannot
 * serve now. Any other answer, a 500 or 404 included, proves the origin is there: a broken URL must not take the
 * whole origin out. Requests refused by the edge's own caps never reached the origin and count neither way.
 */
public final class OriginHealth {
    private static final Logger LOG = System.getLogger(OriginHealth.class.getName());

    /** Runs a task after a delay (the node: a scheduler handing probes to virtual threads; tests: by hand). */
    @FunctionalInterface
    public interface Scheduler {
        void schedule(Runnable task, Duration delay);
    }

    /** Asks an origin whether it is back; empty when it answered, else why not. Blocks (background only). */
    @FunctionalInterface
    public interface Prober {
        Optional<String> probe(URI origin);
    }

    /** One origin's circuit as {@code /_edge/health}, the heartbeat and the metrics report it. */
    public record OriginState(URI origin, String state, int consecutiveFailures, long opened, long shortCircuited,
            Optional<Instant> openedAt, Optional<String> lastFailure) {
        /** True while requests do not go to it (open, or half-open with a probe out). */
        public boolean down() {
            return !"closed".equals(state);
        }
    }

    private final OriginBreaker config;
    private final Map<URI, Circuit> circuits = new ConcurrentHashMap<>();
    private final Prober prober;
    private final Scheduler scheduler;
    private final Clock clock;

    /** Circuits for {@code origins} exist from the start, so their state shows before the first request. */
    public OriginHealth(OriginBreaker config, Collection<URI> origins, Prober prober, Scheduler scheduler,
            Clock clock) {
        this.config = config;
        this.prober = prober;
        this.scheduler = scheduler;
        this.clock = clock;
        origins.forEach(this::circuit);
    }

    /** No breaker: every request goes to its origin. */
    public static OriginHealth off() {
        return new OriginHealth(OriginBreaker.off(), List.of(), origin -> Optional.empty(), (task, delay) -> { },
                Clock.systemUTC());
    }

    /** Whether a request may go to {@code origin} now; a refusal counts as short-circuited. */
    public boolean allows(URI origin) {
        return !config.enabled() || circuit(origin).allows();
    }

    /** Whether an answer with this status counts as the origin failing (502, 503, 504). */
    public static boolean isFailure(int status) {
        return status == 502 || status == 503 || status == 504;
    }

    /** An attempt at {@code origin} got a response head with {@code status}. */
    public void responded(URI origin, int status) {
        if (isFailure(status)) {
            failed(origin, "HTTP " + status);
        } else {
            succeeded(origin);
        }
    }

    /** An attempt at {@code origin} was answered (a response that proves it serves). */
    public void succeeded(URI origin) {
        if (!config.enabled()) {
            return;
        }
        Circuit circuit = circuit(origin);
        if (circuit.state() != Circuit.State.CLOSED) {
            LOG.log(Level.INFO, "origin " + origin + " answered again: its circuit is closed");
        }
        circuit.succeeded();
    }

    /** An attempt at {@code origin} got no usable answer, for {@code why}. */
    public void failed(URI origin, String why) {
        if (!config.enabled()) {
            return;
        }
        circuit(origin).failed(why, clock.instant()).ifPresent(opening -> {
            LOG.log(Level.WARNING, "origin " + origin + " failed " + config.failures() + " times in a row (last: "
                    + why + "): its circuit is open, requests are answered without it; probing in "
                    + opening.firstProbeIn());
            scheduler.schedule(() -> probe(origin, opening.generation()), opening.firstProbeIn());
        });
    }

    /** Carries out one probe of an open circuit and schedules the next when it fails. */
    private void probe(URI origin, long generation) {
        Circuit circuit = circuit(origin);
        if (!circuit.probing(generation)) {
            return;
        }
        Optional<String> failure;
        try {
            failure = prober.probe(origin);
        } catch (RuntimeException e) {
            failure = Optional.of(e.toString());
        }
        if (failure.isEmpty()) {
            LOG.log(Level.INFO, "origin " + origin + " answered a probe: its circuit is closed");
            circuit.succeeded();
            return;
        }
        circuit.probeFailed(failure.get())
                .ifPresent(wait -> scheduler.schedule(() -> probe(origin, generation), wait));
    }

    /** Every known origin's circuit, by URL. */
    public List<OriginState> states() {
        return circuits.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> stateOf(e.getKey(), e.getValue().snapshot())).toList();
    }

    /** One origin's circuit. */
    public OriginState state(URI origin) {
        return stateOf(origin, circuit(origin).snapshot());
    }

    /** The URLs of the origins whose circuit is not closed, for the heartbeat. */
    public List<String> down() {
        return states().stream().filter(OriginState::down).map(s -> s.origin().toString()).toList();
    }

    /** 0 closed, 1 open, 2 half-open: the value of {@code edge_origin_circuit_state}. */
    public int stateCode(URI origin) {
        return circuit(origin).state().ordinal();
    }

    private static OriginState stateOf(URI origin, Circuit.Snapshot s) {
        return new OriginState(origin, s.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                s.consecutiveFailures(), s.opened(), s.shortCircuited(), s.openedAt(), s.lastFailure());
    }

    private Circuit circuit(URI origin) {
        return circuits.computeIfAbsent(origin, o -> new Circuit(config.failures(), config.probeAfter(),
                config.maxProbeInterval()));
    }
}
