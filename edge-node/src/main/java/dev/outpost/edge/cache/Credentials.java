package dev.outpost.edge.cache;

import dev.outpost.common.http.CacheControl;
import dev.outpost.common.service.RequestHeaderRules;

/**
 * Requests that carry credentials (Cookie, Authorization) and the shared cache; pure. A credential the origin gets
 * may change its answer, so — as Varnish, Fastly and Cloudflare do — such a request reaches the origin with it,
 * alone (never collapsed with others), and its answer is stored only when the origin marks it shareable
 * ({@code public} or {@code s-maxage}) or the service says its answers never depend on credentials
 * ({@code shareCredentialed}). The same mark decides the other way round: a request with credentials is answered
 * from the store only by a stored response marked shareable, never by one made for an anonymous request (a
 * logged-in user never gets the logged-out page). RFC 9111 §3.5 allows more for Authorization
 * ({@code must-revalidate}); the edge asks for the explicit mark.
 */
public final class Credentials {
    private Credentials() {
    }

    /** What a request's credentials mean for the cache. */
    public enum Use {
        /** No credential goes upstream (none sent, or the service's header rules withhold it). */
        NONE,
        /** Credentials go upstream; only shareable answers are stored or served. */
        PRIVATE,
        /** Credentials go upstream, and the service shares its answers anyway ({@code shareCredentialed}). */
        SHARED
    }

    public static Use of(Fields request, RequestHeaderRules rules, boolean shareCredentialed) {
        boolean carried = forwarded(request, rules, "authorization") || forwarded(request, rules, "cookie");
        if (!carried) {
            return Use.NONE;
        }
        return shareCredentialed ? Use.SHARED : Use.PRIVATE;
    }

    private static boolean forwarded(Fields request, RequestHeaderRules rules, String name) {
        if (!request.has(name)) {
            return false;
        }
        if (rules.listed()) {
            return name.equals("authorization") || rules.allow().contains(name);
        }
        return !rules.drop().contains(name);
    }

    /** The origin marked the response fit for any client: {@code public} or {@code s-maxage}, in any directive set. */
    public static boolean shareable(Fields responseHeaders) {
        CacheControl governing = Freshness.directives(responseHeaders);
        CacheControl own = CacheControl.parse(responseHeaders.all("cache-control"));
        return governing.isPublic() || governing.sMaxAge().isPresent() || own.isPublic() || own.sMaxAge().isPresent();
    }

    /** Whether a stored response may answer a request with this use of credentials. */
    public static boolean mayAnswer(CachedObject stored, Use use) {
        return use != Use.PRIVATE || stored.shared();
    }
}
