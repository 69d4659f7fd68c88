package dev.outpost.edge.cache;

import dev.outpost.common.http.CacheControl;
import dev.outpost.common.http.HttpDates;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Freshness facts of a response, RFC 9111 §4.2: which directives apply to this cache, the freshness lifetime and
 * the corrected initial age. Precedence: CDN-Cache-Control, then Surrogate-Control (both meant for us, and when
 * present they replace Cache-Control entirely, RFC 9213), then Cache-Control s-maxage, max-age, then Expires, then
 * the heuristic (a fraction of the Last-Modified age, capped) for heuristically cacheable statuses; 404/410 without
 * explicit freshness use the negative TTL instead of the heuristic.
 */
final class Freshness {
    /** RFC 9110 §15.1 statuses cacheable by default (206 left out: the edge stores only whole objects). */
    static final Set<Integer> HEURISTIC_STATUSES = Set.of(200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501);

    private Freshness() {
    }

    /** The directives that govern this cache: CDN-Cache-Control > Surrogate-Control > Cache-Control. */
    static CacheControl directives(Fields headers) {
        CacheControl cdn = CacheControl.parse(headers.all("cdn-cache-control"));
        if (!cdn.isEmpty()) {
            return cdn;
        }
        CacheControl surrogate = CacheControl.parse(headers.all("surrogate-control"));
        if (!surrogate.isEmpty()) {
            return surrogate;
        }
        return CacheControl.parse(headers.all("cache-control"));
    }

    /**
     * Explicit freshness from directives or Expires; empty when the response gives none. Expires counts from the
     * response's Date, or from when it was received when it has none (RFC 9110 §6.6.1).
     */
    static Optional<Duration> explicitLifetime(Fields headers, Instant responseTime) {
        CacheControl cc = directives(headers);
        OptionalLong seconds = cc.sMaxAge().isPresent() ? cc.sMaxAge() : cc.maxAge();
        if (seconds.isPresent()) {
            return Optional.of(Duration.ofSeconds(seconds.getAsLong()));
        }
        Optional<String> expires = headers.first("expires");
        if (expires.isPresent()) {
            // An invalid Expires (e.g. "0") means already expired (RFC 9111 §5.3).
            Optional<Instant> at = HttpDates.parse(expires.get());
            if (at.isEmpty()) {
                return Optional.of(Duration.ZERO);
            }
            Instant date = headers.first("date").flatMap(HttpDates::parse).orElse(responseTime);
            Duration d = Duration.between(date, at.get());
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        }
        return Optional.empty();
    }

    /** The freshness lifetime this cache gives the response. */
    static Duration lifetime(int status, Fields headers, Instant responseTime, CachePolicy policy) {
        Optional<Duration> explicit = explicitLifetime(headers, responseTime);
        if (explicit.isPresent()) {
            return explicit.get();
        }
        if (status == 404 || status == 410) {
            return policy.negativeTtl();
        }
        if (!HEURISTIC_STATUSES.contains(status)) {
            return Duration.ZERO;
        }
        Optional<Instant> lastModified = headers.first("last-modified").flatMap(HttpDates::parse);
        if (lastModified.isEmpty()) {
            return Duration.ZERO;
        }
        Instant date = headers.first("date").flatMap(HttpDates::parse).orElse(responseTime);
        Duration sinceModified = Duration.between(lastModified.get(), date);
        if (sinceModified.isNegative()) {
            return Duration.ZERO;
        }
        Duration heuristic = Duration.ofMillis((long) (sinceModified.toMillis() * policy.heuristicFraction()));
        return heuristic.compareTo(policy.heuristicCap()) > 0 ? policy.heuristicCap() : heuristic;
    }

    /** corrected_initial_age, RFC 9111 §4.2.3. */
    static Duration initialAge(Fields headers, Instant requestTime, Instant responseTime) {
        Duration apparent = headers.first("date").flatMap(HttpDates::parse)
                .map(date -> Duration.between(date, responseTime))
                .filter(d -> !d.isNegative())
                .orElse(Duration.ZERO);
        long ageValue = headers.first("age").map(String::trim).map(Freshness::deltaSeconds).orElse(0L);
        Duration delay = Duration.between(requestTime, responseTime);
        Duration corrected = Duration.ofSeconds(ageValue).plus(delay.isNegative() ? Duration.ZERO : delay);
        return apparent.compareTo(corrected) > 0 ? apparent : corrected;
    }

    private static long deltaSeconds(String text) {
        try {
            return Math.max(0, Long.parseLong(text));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
