package dev.outpost.control.steering;

import java.util.List;
import java.util.Optional;

/**
 * Where the front doors (302, route API, DNS) take what they decide with: the steering rules, the edges, and how
 * current those are. The control plane answers from its own registry ({@link LiveSteering}, always current); a
 * steering replica from the last state it fetched from a control plane ({@code dev.outpost.control.replica}). Both
 * hand the same {@link Steering} the same inputs: one policy, three front doors, any number of instances.
 */
public interface SteeringSource {
    /** A consistent view for one decision, read without locks or I/O (front doors call it on the IO thread). */
    View view();

    /** The rules and edges of one moment, and how current they are. */
    record View(Steering steering, List<Candidate> edges, Freshness freshness) {
        public View {
            edges = List.copyOf(edges);
        }
    }

    /**
     * How current a view is, for the route JSON ({@code "state": {...}}) and the replica's 302 header.
     *
     * @param source     {@code control-plane} (its own registry) or {@code replica} (fetched from a control plane)
     * @param known      false while a replica has never fetched a state: it has nothing to steer by
     * @param ageSeconds seconds since the state was last confirmed current by a control plane (0 on a control plane)
     * @param stale      older than the replica's {@code staleAfter}: still answered from, but said so
     * @param version    the state's version (its ETag), when it came from the feed
     * @param lastError  why the last fetch failed, while the replica cannot reach any control plane
     */
    record Freshness(String source, boolean known, long ageSeconds, boolean stale, Optional<String> version,
            Optional<String> lastError) {
        public static final String CONTROL_PLANE = "control-plane";
        public static final String REPLICA = "replica";

        /** A control plane's own registry: current by definition. */
        public static Freshness live() {
            return new Freshness(CONTROL_PLANE, true, 0, false, Optional.empty(), Optional.empty());
        }
    }
}
