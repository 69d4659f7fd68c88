package dev.outpost.edge.cache;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request collapsing: at most one origin fetch in flight per key.
 *
 * <p>Design note. {@link #enter} makes the first caller for a key the {@link Lead leader}; it must later call
 * {@link Lead#complete} or {@link Lead#fail} exactly once (in a finally), or {@link Lead#publish} as soon as the
 * origin's head is in and {@link Lead#finish} once the body is (a streamed body: requests arriving meanwhile
 * follow the same fetch and read the body from its start). Later callers become {@link Follow
 * followers} holding a future of the leader's outcome that times out after {@code maxWait}, so no follower waits
 * forever on a stuck leader; beyond {@code maxWaiters} followers the caller gets {@link Full} and must answer 503
 * rather than pile up. Followers do not hold threads: they attach a callback to the future. The flight is removed
 * from the map <em>before</em> its future completes, and the leader re-checks the store before fetching, so a
 * request arriving just after completion finds the stored object instead of starting a second fetch.
 *
 * <p>When the outcome is uncacheable the leader calls {@link #markPass}: for {@code hitForPass} the key skips
 * collapsing ({@link #isPass}), so requests for an uncacheable URL go to the origin in parallel instead of being
 * serialised behind one another. The pass marks use the injected clock.
 *
 * @param <T> the fetch outcome shared with followers
 */
public final class Collapser<T> {
    private final Map<String, Flight<T>> flights = new ConcurrentHashMap<>();
    /** Bounded so a flood of unique uncacheable URLs cannot grow it without limit. */
    private final Map<String, Instant> passUntil = com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
            .maximumSize(100_000).executor(Runnable::run).<String, Instant>build().asMap();
    private final int maxWaiters;
    private final Duration maxWait;
    private final Duration hitForPass;
    private final Clock clock;
    private final LongAdder followers = new LongAdder();

    public Collapser(int maxWaiters, Duration maxWait, Duration hitForPass, Clock clock) {
        this.maxWaiters = maxWaiters;
        this.maxWait = maxWait;
        this.hitForPass = hitForPass;
        this.clock = clock;
    }

    private static final class Flight<T> {
        final CompletableFuture<T> result = new CompletableFuture<>();
        final AtomicInteger waiters = new AtomicInteger();
    }

    /** The caller's role for this key. */
    public sealed interface Ticket<T> permits Lead, Follow, Full {
    }

    /** The one caller that fetches; completes the flight exactly once. */
    public static final class Lead<T> implements Ticket<T> {
        private final Collapser<T> owner;
        private final String key;
        private final Flight<T> flight;

        private Lead(Collapser<T> owner, String key, Flight<T> flight) {
            this.owner = owner;
            this.key = key;
            this.flight = flight;
        }

        /** Gives the outcome to the followers and ends the flight: later requests start their own. */
        public void complete(T outcome) {
            owner.flights.remove(key, flight);
            flight.result.complete(outcome);
        }

        /**
         * Gives the outcome to the followers and keeps the flight open: requests arriving until {@link #finish}
         * follow it and get the outcome at once (a body still arriving, which they read from the start).
         */
        public void publish(T outcome) {
            flight.result.complete(outcome);
        }

        /** Ends the flight after {@link #publish}: later requests start their own. */
        public void finish() {
            owner.flights.remove(key, flight);
        }

        public void fail(Throwable error) {
            owner.flights.remove(key, flight);
            flight.result.completeExceptionally(error);
        }

        public int waiters() {
            return flight.waiters.get();
        }
    }

    /** A caller waiting for the leader; the future fails with a TimeoutException after maxWait. */
    public record Follow<T>(CompletableFuture<T> result) implements Ticket<T> {
    }

    /** Too many followers already wait for this key. */
    public record Full<T>(int waiters) implements Ticket<T> {
    }

    public Ticket<T> enter(String key) {
        Flight<T> mine = new Flight<>();
        Flight<T> existing = flights.putIfAbsent(key, mine);
        if (existing == null) {
            return new Lead<>(this, key, mine);
        }
        int waiting = existing.waiters.incrementAndGet();
        if (waiting > maxWaiters) {
            existing.waiters.decrementAndGet();
            return new Full<>(waiting - 1);
        }
        followers.increment();
        // copy(): the timeout completes this follower's view only, never the shared flight.
        return new Follow<>(existing.result.copy().orTimeout(maxWait.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** Leads the key only if nobody is fetching it now (a background refresh: exactly one at a time). */
    public java.util.Optional<Lead<T>> tryLead(String key) {
        Flight<T> mine = new Flight<>();
        return flights.putIfAbsent(key, mine) == null ? java.util.Optional.of(new Lead<>(this, key, mine))
                : java.util.Optional.empty();
    }

    /** Marks the key uncacheable for hitForPass: requests for it skip collapsing. */
    public void markPass(String key) {
        if (!hitForPass.isZero()) {
            passUntil.put(key, clock.instant().plus(hitForPass));
        }
    }

    public void clearPass(String key) {
        passUntil.remove(key);
    }

    public boolean isPass(String key) {
        Instant until = passUntil.get(key);
        if (until == null) {
            return false;
        }
        if (clock.instant().isBefore(until)) {
            return true;
        }
        passUntil.remove(key, until);
        return false;
    }

    /**
     * Detaches the flights for the keys a purge matched: requests arriving from now on start a fetch of their own
     * instead of joining one that began before the purge (its answer may be what the purge removes); those already
     * waiting still get that flight's outcome.
     */
    public void detach(java.util.function.Predicate<String> purgedKeys) {
        flights.keySet().removeIf(purgedKeys);
    }

    /** Followers that have joined a flight since start (for metrics). */
    public long followersTotal() {
        return followers.sum();
    }

    /** Keys with a fetch in flight now. */
    public int inFlight() {
        return flights.size();
    }
}
