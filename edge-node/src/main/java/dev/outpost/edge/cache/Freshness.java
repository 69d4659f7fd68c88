package dev.outpost.edge.cache;

import dev.outpost.common.http.CacheControl;
import dev.outpost.common.http.HttpDates;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Freshness facts of a response, RFC 9111 §4.2: which directives apply to this cache, the freshness lifetime and
 * the corrected initial age. Precedence: a valid CDN-Cache-Control ({@link TargetedCacheControl}; it replaces
 * Cache-Control and Expires entirely, RFC 9213), then Surrogate-Control (replaces Cache-Control), then
 * Cache-Control s-maxage, max-age, then Expires, then the heuristic (a fraction of the Last-Modified age, capped)
 * for heuristically cacheable statuses and responses marked {@code public} (RFC 9111 §4.2.2); 404/410 without
 * explicit freshness use the negative TTL instead of the heuristic. {@code Age} is read as RFC 9111 §5.1 says: of
 * a list (one line {@code 7200, 0} or several lines) only the first member counts, and a first member that is not a
 * non-negative integer ({@code -1}, {@code 1.5}, a word) is ignored like an absent field, so Date alone dates the
 * response.
 */
final class Freshness {
    /** RFC 9110 §15.1 statuses cacheable by default (206 is stored as a partial object, never whole). */
    static final Set<Integer> HEURISTIC_STATUSES = Set.of(200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501);

    private Freshness() {
    }

    /** The directives that govern this cache: CDN-Cache-Control > Surrogate-Control > Cache-Control. */
    static CacheControl directives(Fields headers) {
        Optional<CacheControl> cdn = TargetedCacheControl.parse(headers.all("cdn-cache-control"));
        if (cdn.isPresent()) {
            return cdn.get();
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
        if (TargetedCacheControl.parse(headers.all("cdn-cache-control")).isPresent()) {
            return Optional.empty(); // a targeted field governs alone: Expires is for other caches
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
        if (!heuristicallyCacheable(status, headers)) {
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

    /** RFC 9110 §15.1 statuses, or any status marked {@code public} (RFC 9111 §3, §4.2.2). */
    static boolean heuristicallyCacheable(int status, Fields headers) {
        return HEURISTIC_STATUSES.contains(status) || directives(headers).isPublic();
    }

    /** corrected_initial_age, RFC 9111 §4.2.3. */
    static Duration initialAge(Fields headers, Instant requestTime, Instant responseTime) {
        Duration apparent = headers.first("date").flatMap(HttpDates::parse)
                .map(date -> Duration.between(date, responseTime))
                .filter(d -> !d.isNegative())
                .orElse(Duration.ZERO);
        Duration delay = Duration.between(requestTime, responseTime);
        Duration corrected = Duration.ofSeconds(ageValue(headers.all("age")))
                .plus(delay.isNegative() ? Duration.ZERO : delay);
        return apparent.compareTo(corrected) > 0 ? apparent : corrected;
    }

    /**
     * The Age in seconds, RFC 9111 §5.1: the first member of the first field line ({@code Age: 7200, 0} is 7200;
     * lines {@code 0} and {@code 7200} are 0), capped at 2^31 (RFC 9111 §1.2.2); 0 when absent or when that member
     * is not a non-negative integer ({@code -1}, {@code 1.5}, {@code abc}, {@code 7200;x=1}): an invalid Age is
     * ignored, not trusted either way.
     */
    static long ageValue(List<String> lines) {
        if (lines.isEmpty()) {
            return 0;
        }
        String line = lines.get(0);
        int comma = line.indexOf(',');
        String first = (comma < 0 ? line : line.substring(0, comma)).trim();
        if (first.isEmpty() || !first.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return 0;
        }
        return first.length() > 10 ? CacheControl.MAX_DELTA_SECONDS
                : Math.min(Long.parseLong(first), CacheControl.MAX_DELTA_SECONDS);
    }
}
