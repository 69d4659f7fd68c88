package dev.outpost.control.http;

import dev.outpost.common.http.HttpJson;
import dev.outpost.control.steering.SteeringState;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code GET /api/v1/steering/state[?wait=5s]}: what steering decides by ({@link SteeringState}), for steering
 * replicas. Conditional on the version: with {@code If-None-Match} naming the current version it answers 304, after
 * holding the call up to {@code wait} for a change (a long poll: a replica learns of a health change as soon as the
 * control plane sees it, without asking more often). Health is a matter of time (a heartbeat not heard within the
 * timeout), not an event, so the held call looks again every {@link #RECHECK}; the state is a few hundred bytes per
 * edge, built from memory. A held call waits on a virtual thread of its own (Undertow's {@code dispatch}), not on one
 * of the listener's few worker threads, so a dozen replicas do not starve the API; it ends early when its caller
 * leaves.
 */
final class SteeringStateEndpoint {
    /** How often a held call compares the state with the caller's version. */
    static final Duration RECHECK = Duration.ofMillis(100);
    /** Where held calls wait: a virtual thread each, nothing to shut down (an idle one holds no platform thread). */
    private static final Executor HELD_CALLS = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("steering-state-long-poll-", 0).factory());

    private final Supplier<SteeringState> state;

    SteeringStateEndpoint(Supplier<SteeringState> state) {
        this.state = state;
    }

    void state(HttpServerExchange exchange) {
        Optional<String> known = Optional.ofNullable(exchange.getRequestHeaders().getFirst(Headers.IF_NONE_MATCH));
        Duration wait = Queries.first(exchange, "wait").map(EntryEndpoints::parseWait).orElse(Duration.ZERO);
        long deadline = System.nanoTime() + wait.toNanos();
        SteeringState current = state.get();
        if (known.isPresent() && matches(known.get(), current) && !wait.isZero()) {
            exchange.dispatch(HELD_CALLS, held -> hold(held, known.get(), deadline));
            return;
        }
        answer(exchange, known, current);
    }

    /** On a virtual thread: looks again every {@link #RECHECK} until the state changes or the wait is over. */
    private void hold(HttpServerExchange exchange, String known, long deadline) {
        SteeringState current = state.get();
        // a wait for I/O, in real time: the control plane's clock may be a test's manual one
        while (matches(known, current) && System.nanoTime() < deadline && exchange.getConnection().isOpen()) {
            try {
                Thread.sleep(Math.max(1, Math.min(RECHECK.toMillis(), (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            current = state.get();
        }
        if (exchange.isResponseStarted() || !exchange.getConnection().isOpen()) {
            return; // the caller left, or the listener is closing: nobody to answer
        }
        answer(exchange, Optional.of(known), current);
    }

    private static void answer(HttpServerExchange exchange, Optional<String> known, SteeringState current) {
        exchange.getResponseHeaders().put(Headers.ETAG, current.etag());
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        if (known.isPresent() && matches(known.get(), current)) {
            exchange.setStatusCode(304);
            exchange.endExchange();
            return;
        }
        HttpJson.send(exchange, 200, current);
    }

    /** {@code If-None-Match}: a list of entity tags, weak or strong, or {@code *} (RFC 9110 section 13.1.2). */
    private static boolean matches(String ifNoneMatch, SteeringState current) {
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.strip();
            if (t.equals("*") || t.equals(current.etag()) || t.equals("W/" + current.etag())) {
                return true;
            }
        }
        return false;
    }
}
