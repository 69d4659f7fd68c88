package dev.outpost.edge.cache;

import dev.outpost.common.http.HttpDates;
import dev.outpost.common.http.preconditions.EntityTag;
import dev.outpost.common.http.preconditions.Preconditions;
import dev.outpost.common.http.preconditions.Validators;
import dev.outpost.common.http.ranges.RangeDecision;
import dev.outpost.common.http.ranges.Ranges;
import dev.outpost.common.http.ranges.Representation;
import java.time.Instant;
import java.util.Optional;

/**
 * Conditional and range requests answered from a stored object: reads the request's conditions and the stored
 * response's validators into common's values and applies the one policy ({@link Preconditions},
 * {@link Ranges}); pure. What is the edge's own is what RFC 9111 §4.3.2 asks of a cache: If-Match and
 * If-Unmodified-Since are not evaluated ({@link Preconditions#forCache}); If-Modified-Since is compared with the
 * stored Last-Modified, else its Date, else when it was received; and an If-Range date is honoured only when the
 * stored Last-Modified is a strong validator, its Date at least a second later (RFC 9110 §8.8.2.2).
 */
public final class Conditionals {
    private Conditionals() {
    }

    /** True when the client's copy is current and a 304 answers the request. */
    public static boolean notModified(Fields request, CachedObject entry) {
        return notModified(request, entry.status(), entry.headers(), entry.responseTime());
    }

    /**
     * The same for a response that is not (yet) stored: its status and headers, and when it was received (the
     * date compared with If-Modified-Since when it has neither Last-Modified nor Date).
     */
    public static boolean notModified(Fields request, int status, Fields response, Instant received) {
        if (!request.has("if-none-match") && !request.has("if-modified-since")) {
            return false; // the common hit: nothing conditional, so nothing stored is parsed
        }
        return preconditions(request).forCache().evaluate(status, validators(response, received))
                == Preconditions.Decision.NOT_MODIFIED;
    }

    /** If-Range: whether a Range may be answered from {@code entry} (RFC 9110 §13.1.5). */
    public static boolean ifRangeAllows(Fields request, CachedObject entry) {
        return preconditions(request).ifRangeHolds(validators(entry.headers(), entry.responseTime()));
    }

    /**
     * What the request's Range makes of the stored representation of {@code length} bytes (the stored body's,
     * or a partial object's complete length), at most {@code maxParts} range-specs.
     */
    public static RangeDecision ranges(String method, Fields request, CachedObject entry, long length, int maxParts) {
        Representation representation = new Representation(length,
                entry.headers().first("content-type").orElse("application/octet-stream"),
                validators(entry.headers(), entry.responseTime()));
        return Ranges.decide(method, request.all("range"), preconditions(request), representation, maxParts);
    }

    /** The request's conditional fields, every line of each. */
    static Preconditions preconditions(Fields request) {
        return new Preconditions(request.all("if-match"), request.all("if-none-match"),
                request.all("if-modified-since"), request.all("if-unmodified-since"), request.all("if-range"));
    }

    /** A stored (or arriving) response's validators, as a cache knows them. */
    static Validators validators(Fields response, Instant received) {
        Optional<Instant> lastModified = response.first("last-modified").flatMap(HttpDates::parse);
        Optional<Instant> date = response.first("date").flatMap(HttpDates::parse);
        Optional<Instant> strong = lastModified
                .filter(lm -> date.isPresent() && !date.get().isBefore(lm.plusSeconds(1)));
        return new Validators(response.first("etag").flatMap(EntityTag::parse),
                Optional.of(lastModified.or(() -> date).orElse(received)), strong);
    }
}
