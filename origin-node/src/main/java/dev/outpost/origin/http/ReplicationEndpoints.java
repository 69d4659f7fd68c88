package dev.outpost.origin.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.origin.replication.ChangeBatch;
import dev.outpost.origin.replication.ChangeLog;
import dev.outpost.origin.replication.Replication;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.SameThreadExecutor;
import java.time.Duration;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.xnio.XnioExecutor;

/**
 * The replication API's resources under {@code /_origin/replication}, behind the origin's bearer token (checked by
 * the route table, {@link OriginRoutes}): {@code GET /_origin/replication} (this origin's role and position, its
 * replicas or its primary), {@code GET /_origin/replication/changes?log=&epoch=&after=&replica=&waitMillis=&limit=}
 * (a primary's change stream: the changes after a replica's position, waiting up to {@code waitMillis} for one when
 * there are none), and {@code POST /_origin/replication/promote} (makes a replica the primary).
 *
 * <p>A waiting request holds no thread: the exchange is parked until the log shows a change after the replica's
 * position, the wait is over, or the connection closes, and then answered from a worker thread.
 */
final class ReplicationEndpoints {
    static final String BASE = "/_origin/replication";
    private static final Set<String> CHANGES_PARAMETERS = Set.of("log", "epoch", "after", "replica", "waitMillis",
            "limit");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final int MAX_LIMIT = 1000;

    private final Replication replication;
    private final Duration idleTimeout;

    ReplicationEndpoints(Replication replication, Duration idleTimeout) {
        this.replication = replication;
        this.idleTimeout = idleTimeout;
    }

    /** {@code GET /_origin/replication}. */
    void status(HttpServerExchange exchange) {
        HttpJson.send(exchange, 200, replication.status());
    }

    /** {@code POST /_origin/replication/promote}. */
    void promote(HttpServerExchange exchange) {
        HttpJson.send(exchange, 200, replication.promote());
    }

    /** {@code GET /_origin/replication/changes}. */
    void changes(HttpServerExchange exchange) {
        if (!replication.isPrimary()) {
            throw new ApiException(409, "not_primary", "this origin is a replica; ask its primary for changes (see "
                    + "GET " + BASE + ")");
        }
        ChangesQuery query = ChangesQuery.of(exchange.getQueryParameters());
        ChangeLog log = replication.log();
        switch (log.check(query.log(), query.epoch(), query.after())) {
            case ChangeLog.Verdict.Resync resync -> {
                replication.tracker().forget(query.replica());
                throw new ApiException(409, "resync_needed", "replica " + query.replica() + " cannot continue from "
                        + "change " + query.after() + ": " + resync.reason() + "; it must copy everything again");
            }
            case ChangeLog.Verdict.StalePrimary stale -> throw new ApiException(409, "stale_primary",
                    "replica " + query.replica() + " must not copy from this origin: " + stale.reason());
            case ChangeLog.Verdict.Continue ok -> replication.tracker().report(query.replica(), query.after());
        }
        // Below the idle timeout, so the listener never closes a parked request as idle.
        long waitMillis = Math.min(query.waitMillis(), Math.min(replication.pollWait().toMillis(),
                idleTimeout.toMillis() / 2));
        if (waitMillis <= 0 || log.position().head() > query.after()) {
            answer(exchange, query);
            return;
        }
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> park(exchange, query, waitMillis));
    }

    /** Answers once a change after the replica's position is visible, or the wait is over. */
    private void park(HttpServerExchange exchange, ChangesQuery query, long waitMillis) {
        AtomicBoolean answered = new AtomicBoolean();
        XnioExecutor.Key[] timer = new XnioExecutor.Key[1];
        Runnable[] cancelWait = new Runnable[1];
        Runnable wake = () -> {
            if (answered.compareAndSet(false, true)) {
                exchange.dispatch(() -> answer(exchange, query)); // outside any call: runs on a worker
            }
        };
        exchange.addExchangeCompleteListener((ended, next) -> {
            answered.set(true);
            if (cancelWait[0] != null) {
                cancelWait[0].run();
            }
            if (timer[0] != null) {
                timer[0].remove();
            }
            next.proceed();
        });
        timer[0] = exchange.getIoThread().executeAfter(wake, waitMillis, TimeUnit.MILLISECONDS);
        cancelWait[0] = replication.log().whenVisibleAfter(query.after(), wake);
    }

    private void answer(HttpServerExchange exchange, ChangesQuery query) {
        try {
            ChangeLog log = replication.log();
            ChangeLog.Position position = log.position();
            HttpJson.send(exchange, 200, ChangeBatch.of(position, log.after(query.after(), query.limit())));
        } catch (RuntimeException e) {
            // Parked answers run outside the error mapping: the log was closed under them (the origin stops).
            exchange.setPersistent(false);
            if (!exchange.isResponseStarted()) {
                HttpJson.sendError(exchange, 503, "stopping", "the origin is stopping: " + e.getMessage());
            } else {
                exchange.endExchange();
            }
        }
    }

    /** The parameters of a request for changes, validated. */
    private record ChangesQuery(String log, long epoch, long after, String replica, long waitMillis, int limit) {
        static ChangesQuery of(Map<String, Deque<String>> parameters) {
            for (Map.Entry<String, Deque<String>> parameter : parameters.entrySet()) {
                if (!CHANGES_PARAMETERS.contains(parameter.getKey())) {
                    throw ApiException.badRequest("bad_parameter", "unknown parameter '" + parameter.getKey()
                            + "'; changes take " + CHANGES_PARAMETERS);
                }
            }
            String replica = single(parameters, "replica").orElseThrow(() -> missing("replica"));
            if (!NAME.matcher(replica).matches()) {
                throw ApiException.badRequest("bad_parameter", "replica must be 1-64 letters, digits or . _ : -");
            }
            return new ChangesQuery(single(parameters, "log").orElseThrow(() -> missing("log")),
                    number(parameters, "epoch", 1, Long.MAX_VALUE).orElseThrow(() -> missing("epoch")),
                    number(parameters, "after", 0, Long.MAX_VALUE).orElseThrow(() -> missing("after")),
                    replica,
                    number(parameters, "waitMillis", 0, 60_000).orElse(0L),
                    number(parameters, "limit", 1, MAX_LIMIT).orElse(100L).intValue());
        }

        private static Optional<String> single(Map<String, Deque<String>> parameters, String name) {
            Deque<String> values = parameters.get(name);
            if (values == null || values.isEmpty()) {
                return Optional.empty();
            }
            if (values.size() > 1) {
                throw ApiException.badRequest("bad_parameter", "parameter '" + name + "' is given more than once");
            }
            return Optional.of(values.getFirst());
        }

        private static Optional<Long> number(Map<String, Deque<String>> parameters, String name, long min,
                long max) {
            return single(parameters, name).map(text -> {
                try {
                    long value = Long.parseLong(text);
                    if (value < min || value > max) {
                        throw new NumberFormatException();
                    }
                    return value;
                } catch (NumberFormatException e) {
                    throw ApiException.badRequest("bad_parameter", name + " must be a whole number from " + min
                            + " to " + max + ", was '" + text + "'");
                }
            });
        }

        private static ApiException missing(String name) {
            return ApiException.badRequest("bad_parameter", "parameter '" + name + "' is required");
        }
    }
}
