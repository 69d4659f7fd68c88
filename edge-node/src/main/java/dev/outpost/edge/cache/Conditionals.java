package dev.outpost.edge.cache;

import dev.outpost.common.http.HttpDates;
import java.time.Instant;
import java.util.Optional;

/** Answers clients' conditional GET/HEAD from a stored object (RFC 9110 §13.1.2, §13.1.3, §13.1.5); pure. */
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
        if (status != 200) {
            return false;
        }
        Optional<String> inm = request.joined("if-none-match");
        if (inm.isPresent()) {
            return response.first("etag").map(etag -> matchesWeakly(inm.get(), etag)).orElse(false);
        }
        Optional<Instant> ims = request.first("if-modified-since").flatMap(HttpDates::parse);
        if (ims.isEmpty()) {
            return false; // the common hit: nothing conditional, so the stored date is never parsed
        }
        // RFC 9111 §4.3.2: without Last-Modified, the stored response's Date, else when it was received.
        Instant lastModified = response.first("last-modified").flatMap(HttpDates::parse)
                .or(() -> response.first("date").flatMap(HttpDates::parse))
                .orElse(received);
        return !lastModified.isAfter(ims.get());
    }

    /** If-Range: the range applies only when the validator names this exact (strong) representation. */
    public static boolean ifRangeAllows(Fields request, CachedObject entry) {
        Optional<String> ifRange = request.first("if-range");
        if (ifRange.isEmpty()) {
            return true;
        }
        String v = ifRange.get().trim();
        if (v.startsWith("\"")) {
            return entry.etag().map(etag -> etag.equals(v)).orElse(false);
        }
        Optional<Instant> date = HttpDates.parse(v);
        return date.isPresent() && entry.lastModified().flatMap(HttpDates::parse)
                .map(lm -> lm.equals(date.get())).orElse(false);
    }

    static boolean matchesWeakly(String ifNoneMatch, String etag) {
        String mine = opaque(etag);
        for (String candidate : ifNoneMatch.split(",")) {
            String c = candidate.trim();
            if (c.equals("*") || opaque(c).equals(mine)) {
                return true;
            }
        }
        return false;
    }

    private static String opaque(String etag) {
        String t = etag.trim();
        return t.startsWith("W/") ? t.substring(2) : t;
    }
}
