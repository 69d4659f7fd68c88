package dev.outpost.edge.cache;

import dev.outpost.common.http.CacheControl;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a response may be stored (RFC 9111 §3 for a shared cache). Returns the reason it may not, so the
 * answer can be logged and put in Cache-Status.
 */
public final class Cacheability {
    /**
     * The final status codes RFC 9110 §15 defines, whose caching rules the edge follows: what {@code must-understand}
     * asks a cache to understand. An unknown code ({@code 599}) is not among them.
     */
    static final Set<Integer> UNDERSTOOD_STATUSES = Set.of(200, 201, 202, 203, 204, 205, 300, 301, 302, 303, 304,
            305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417,
            421, 422, 426, 500, 501, 502, 503, 504, 505);

    private Cacheability() {
    }

    /**
     * @param method         the request method (HEAD misses are fetched as GET)
     * @param credentials    what the request's Cookie / Authorization mean for sharing ({@link Credentials})
     * @param status         response status
     * @param headers        response headers as received from the origin
     * @param cacheSetCookie the delivery service allows storing responses with Set-Cookie
     * @return empty when storable, else why not
     */
    public static Optional<String> whyNotStorable(String method, Credentials.Use credentials, int status,
            Fields headers,
            boolean cacheSetCookie) {
        if (!method.equals("GET")) {
            return Optional.of("method");
        }
        if (status == 206 || status < 200) {
            return Optional.of("status");
        }
        CacheControl cc = Freshness.directives(headers);
        if (cc.has("must-understand")) {
            // RFC 9111 §5.2.2.3: only a cache that implements the status code's caching rules may store it, and
            // such a cache ignores the no-store sent along for caches that do not.
            if (!UNDERSTOOD_STATUSES.contains(status)) {
                return Optional.of("must-understand");
            }
        } else if (cc.noStore()) {
            return Optional.of("no-store");
        }
        if (cc.isPrivate()) {
            return Optional.of("private");
        }
        if (headers.has("set-cookie") && !cacheSetCookie) {
            return Optional.of("set-cookie");
        }
        if (Vary.names(headers).contains("*")) {
            return Optional.of("vary-star");
        }
        if (credentials == Credentials.Use.PRIVATE && !Credentials.shareable(headers)) {
            return Optional.of("credentials");
        }
        // Explicit freshness makes any status reusable (5xx included); without it, only heuristically cacheable
        // statuses and responses marked public may be stored (RFC 9111 §3).
        boolean explicit = Freshness.explicitLifetime(headers, Instant.EPOCH).isPresent(); // presence only
        if (!explicit && !Freshness.heuristicallyCacheable(status, headers)) {
            return Optional.of("status");
        }
        boolean validators = headers.has("etag") || headers.has("last-modified");
        boolean negative = status == 404 || status == 410;
        if (!explicit && !validators && !negative) {
            return Optional.of("no-freshness");
        }
        return Optional.empty();
    }
}
