package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.control.stats.TrafficStats;
import io.undertow.server.HttpServerExchange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /api/v1/stats?service=&from=&to=}: the CDN's traffic per minute, from what edges send with their
 * heartbeats ({@link TrafficStats}): requests, hits (answered from a cache), hit ratio, bytes and requests per status
 * class, over every edge, of one delivery service or all. {@code from} and {@code to} are RFC 3339 instants, taken
 * to whole minutes ({@code from} down, {@code to} up); by default the last {@link #DEFAULT_RANGE}, the current
 * minute included. At most {@link #MAX_RANGE} per call, so an answer stays a bounded list.
 */
final class StatsEndpoint {
    static final Duration DEFAULT_RANGE = Duration.ofMinutes(15);
    static final Duration MAX_RANGE = Duration.ofHours(24);

    private final TrafficStats stats;
    private final Clock clock;

    StatsEndpoint(TrafficStats stats, Clock clock) {
        this.stats = stats;
        this.clock = clock;
    }

    /** Totals of a minute or of the whole range. */
    record Minute(Instant minute, long requests, long hits, double hitRatio, long bytes,
            Map<String, Long> statusClasses) {
    }

    record Stats(Optional<String> service, Instant from, Instant to, long requests, long hits, double hitRatio,
            long bytes, List<Minute> minutes) {
    }

    void stats(HttpServerExchange exchange) {
        Optional<String> service = Queries.first(exchange, "service").map(v -> {
            if (v.isEmpty() || v.length() > 128 || !v.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw ApiException.badRequest("bad_service", "service must be a delivery service's name (1..128 "
                        + "visible ASCII characters), was '" + abbreviate(v) + "'");
            }
            return v;
        });
        Instant to = Queries.first(exchange, "to").map(v -> instant("to", v))
                .orElseGet(() -> clock.instant().plus(Duration.ofMinutes(1)));
        to = to.truncatedTo(ChronoUnit.MINUTES).equals(to) ? to : to.truncatedTo(ChronoUnit.MINUTES).plus(
                Duration.ofMinutes(1));
        Instant end = to;
        Instant from = Queries.first(exchange, "from").map(v -> instant("from", v))
                .orElseGet(() -> end.minus(DEFAULT_RANGE)).truncatedTo(ChronoUnit.MINUTES);
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("bad_range", "from (" + from + ") must be before to (" + to + ")");
        }
        if (Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
            throw ApiException.badRequest("bad_range", "from " + from + " to " + to + " spans more than "
                    + MAX_RANGE.toHours() + " hours; ask for at most " + MAX_RANGE.toHours() + " hours per call");
        }
        List<TrafficStats.Point> points = stats.series(service, from, to);
        long requests = points.stream().mapToLong(TrafficStats.Point::requests).sum();
        long hits = points.stream().mapToLong(TrafficStats.Point::hits).sum();
        long bytes = points.stream().mapToLong(TrafficStats.Point::bytes).sum();
        List<Minute> minutes = points.stream().map(p -> new Minute(p.minute(), p.requests(), p.hits(),
                ratio(p.hits(), p.requests()), p.bytes(), p.statusClasses())).toList();
        HttpJson.send(exchange, 200, new Stats(service, from, to, requests, hits, ratio(hits, requests), bytes,
                minutes));
    }

    private static double ratio(long hits, long requests) {
        return requests == 0 ? 0 : (double) hits / requests;
    }

    private static Instant instant(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("bad_" + name, name + " must be an RFC 3339 instant such as "
                    + "2026-01-01T12:00:00Z, was '" + abbreviate(value) + "'");
        }
    }

    private static String abbreviate(String value) {
        return value.length() > 64 ? value.substring(0, 64) + "…" : value;
    }
}
