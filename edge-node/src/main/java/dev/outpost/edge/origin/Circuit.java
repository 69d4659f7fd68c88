package dev.outpost.edge.origin;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One origin's circuit breaker state machine, pure: it is told what attempts came to and answers whether requests
 * may go to the origin and when the next probe is due; {@link OriginHealth} carries the probes out.
 *
 * <pre>
 *   CLOSED --(failures in a row reach the threshold)--> OPEN --(probe due)--> HALF_OPEN (one probe in flight)
 *   HALF_OPEN --(probe answered)--> CLOSED        HALF_OPEN --(probe failed)--> OPEN, next probe after twice the wait
 *   OPEN or HALF_OPEN --(a request that was already under way is answered)--> CLOSED
 * </pre>
 *
 * While OPEN or HALF_OPEN no request goes to the origin (it is short-circuited): only the probe does, so an origin
 * that comes back is not hit by every waiting client at once, and a dead one costs no client a timeout. Safe for
 * concurrent use (every method is synchronized; they are all a few field updates).
 */
final class Circuit {
    /** The circuit just opened: its first probe is due after {@code firstProbeIn}, for opening number {@code generation}. */
    record Opening(Duration firstProbeIn, long generation) {
    }

    /** Where the circuit is; the metric's value is the ordinal. */
    enum State {
        CLOSED, OPEN, HALF_OPEN
    }

    /** The circuit as the admin status and the metrics show it. */
    record Snapshot(State state, int consecutiveFailures, long opened, long shortCircuited,
            Optional<Instant> openedAt, Optional<String> lastFailure) {
    }

    private final int threshold;
    private final Duration firstWait;
    private final Duration maxWait;

    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long opened;
    private long shortCircuited;
    private Duration wait;
    private Instant openedAt;
    private String lastFailure;

    Circuit(int threshold, Duration firstWait, Duration maxWait) {
        if (threshold < 1 || firstWait.isNegative() || maxWait.compareTo(firstWait) < 0) {
            throw new IllegalArgumentException("a circuit needs threshold >= 1 and 0 <= firstWait <= maxWait, were "
                    + threshold + ", " + firstWait + ", " + maxWait);
        }
        this.threshold = threshold;
        this.firstWait = firstWait;
        this.maxWait = maxWait;
        this.wait = firstWait;
    }

    /** Whether a request may go to the origin now; a refusal is counted as short-circuited. */
    synchronized boolean allows() {
        if (state == State.CLOSED) {
            return true;
        }
        shortCircuited++;
        return false;
    }

    /** The origin answered a request (or a probe): the circuit closes and the failure count starts again. */
    synchronized void succeeded() {
        state = State.CLOSED;
        consecutiveFailures = 0;
        wait = firstWait;
        openedAt = null;
    }

    /**
     * An attempt got no usable answer. Returns the wait before the first probe when this failure opened the
     * circuit (the caller schedules it), else empty: still closed, or already open with a probe on its way.
     */
    synchronized Optional<Opening> failed(String why, Instant now) {
        lastFailure = why;
        consecutiveFailures = consecutiveFailures == Integer.MAX_VALUE ? consecutiveFailures
                : consecutiveFailures + 1;
        if (state != State.CLOSED || consecutiveFailures < threshold) {
            return Optional.empty();
        }
        state = State.OPEN;
        opened++;
        openedAt = now;
        wait = firstWait;
        return Optional.of(new Opening(wait, opened));
    }

    /**
     * A probe of opening {@code generation} is due: true (and HALF_OPEN) when the circuit is still open from that
     * opening and the probe should be sent. A probe scheduled for an earlier opening (closed by a request's answer
     * since, then opened again, which scheduled a probe of its own) stands down: one probe at a time.
     */
    synchronized boolean probing(long generation) {
        if (state != State.OPEN || generation != opened) {
            return false; // a request's answer closed it meanwhile
        }
        state = State.HALF_OPEN;
        return true;
    }

    /**
     * The probe got no usable answer: open again; returns the wait before the next probe (twice the last, at most
     * the maximum), or empty when a request's answer closed the circuit while the probe was out.
     */
    synchronized Optional<Duration> probeFailed(String why) {
        if (state != State.HALF_OPEN) {
            return Optional.empty();
        }
        lastFailure = why;
        state = State.OPEN;
        wait = wait.multipliedBy(2).compareTo(maxWait) > 0 ? maxWait : wait.multipliedBy(2);
        return Optional.of(wait);
    }

    synchronized State state() {
        return state;
    }

    synchronized Snapshot snapshot() {
        return new Snapshot(state, consecutiveFailures, opened, shortCircuited, Optional.ofNullable(openedAt),
                Optional.ofNullable(lastFailure));
    }
}
