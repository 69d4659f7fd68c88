package dev.outpost.edge.cache;

import dev.outpost.common.http.CacheControl;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;

/** Builds {@link CachedObject}s from origin responses and refreshes them from 304s; pure. */
public final class CachedObjects {
    /** RFC 9110 §7.6.1 hop-by-hop fields, never forwarded in either direction. */
    public static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");

    /**
     * Fields meant for this cache only, consumed here and never passed on to clients. CDN-Cache-Control is not one
     * of them: it targets every CDN on the path (RFC 9213), so a CDN or shield in front of this edge needs it too,
     * and browsers ignore it; Surrogate-Control and Surrogate-Key are for the first surrogate only, as Fastly and
     * Akamai treat them.
     */
    public static final List<String> CDN_ONLY = List.of("surrogate-control", "surrogate-key");

    private CachedObjects() {
    }

    /** Origin response headers as a client may see them: no hop-by-hop, no CDN-only fields, no framing. */
    public static Fields clientHeaders(Fields origin) {
        return withoutFraming(origin, CDN_ONLY);
    }

    /** Headers kept with a stored object: the origin's, minus framing, Age and Set-Cookie (CDN-only kept). */
    static Fields storedHeaders(Fields origin) {
        return withoutFraming(origin, List.of("set-cookie"));
    }

    /** Without hop-by-hop fields (also those the Connection field names), Content-Length, Age and {@code more}. */
    private static Fields withoutFraming(Fields origin, List<String> more) {
        List<String> drop = new ArrayList<>(HOP_BY_HOP);
        drop.addAll(more);
        drop.add("content-length");
        drop.add("age");
        for (String line : origin.all("connection")) {
            for (String name : line.split(",")) {
                drop.add(name.trim().toLowerCase(Locale.ROOT));
            }
        }
        return origin.without(drop);
    }

    public static CachedObject create(String key, Fields requestHeaders, int status, Fields originHeaders,
            ByteBuffer body, Instant requestTime, Instant responseTime, CachePolicy policy) {
        return create(key, requestHeaders, status, originHeaders, body, requestTime, responseTime, policy,
                Credentials.Use.NONE);
    }

    /**
     * The stored object for a response to a request whose credentials were used as {@code credentials}: one
     * stored for a request with credentials was allowed to be (marked shareable, or the service shares), so it may
     * answer such requests too.
     */
    public static CachedObject create(String key, Fields requestHeaders, int status, Fields originHeaders,
            ByteBuffer body, Instant requestTime, Instant responseTime, CachePolicy policy,
            Credentials.Use credentials) {
        List<String> vary = Vary.names(originHeaders);
        boolean shared = credentials != Credentials.Use.NONE || Credentials.shareable(originHeaders);
        return build(key, Vary.variant(vary, requestHeaders), status, originHeaders, storedHeaders(originHeaders),
                body, requestTime, responseTime, vary, policy, shared);
    }

    /**
     * The stored object after a 304: the 304's headers replace the stored ones of the same name (RFC 9111 §4.3.4)
     * and freshness starts again from this response.
     */
    public static CachedObject refresh(CachedObject old, Fields notModifiedHeaders, Instant requestTime,
            Instant responseTime, CachePolicy policy) {
        Fields update = storedHeaders(notModifiedHeaders.without(List.of("content-encoding", "content-range")));
        Fields merged = old.headers().updatedWith(update);
        // Age and Date of the 304 describe this response, not the stored one: the age calculation uses only them.
        Fields.Builder timing = Fields.builder();
        merged.without(List.of("age", "date")).forEach(timing::add);
        notModifiedHeaders.first("age").ifPresent(v -> timing.add("age", v));
        notModifiedHeaders.first("date").ifPresent(v -> timing.add("date", v));
        return build(old.key(), old.variant(), old.status(), timing.build(), merged, old.body(), requestTime,
                responseTime, old.vary(), policy, old.shared() || Credentials.shareable(merged));
    }

    private static CachedObject build(String key, String variant, int status, Fields originHeaders, Fields served,
            ByteBuffer body, Instant requestTime, Instant responseTime, List<String> vary, CachePolicy policy,
            boolean shared) {
        CacheControl cc = Freshness.directives(originHeaders);
        Duration lifetime = Freshness.lifetime(status, originHeaders, responseTime, policy);
        Duration initialAge = Freshness.initialAge(originHeaders, requestTime, responseTime);
        Duration swr = seconds(cc.staleWhileRevalidate(), policy.staleWhileRevalidate());
        Duration sie = seconds(cc.staleIfError(), policy.staleIfError());
        // s-maxage implies proxy-revalidate (RFC 9111 §5.2.2.10) unless the origin grants stale use explicitly.
        boolean explicitStale = cc.staleIfError().isPresent() || cc.staleWhileRevalidate().isPresent();
        boolean noStale = cc.mustRevalidate() || cc.proxyRevalidate() || cc.sMaxAge().isPresent() && !explicitStale;
        // A qualified no-cache="field" is treated like plain no-cache: revalidate every use (conservative).
        boolean alwaysRevalidate = cc.has("no-cache");
        return new CachedObject(key, variant, status, served, body, responseTime, initialAge, lifetime, swr, sie,
                alwaysRevalidate, noStale, false, vary, surrogateKeys(originHeaders), shared);
    }

    private static Duration seconds(OptionalLong value, Duration fallback) {
        return value.isPresent() ? Duration.ofSeconds(value.getAsLong()) : fallback;
    }

    private static Set<String> surrogateKeys(Fields headers) {
        Set<String> keys = new LinkedHashSet<>();
        for (String line : headers.all("surrogate-key")) {
            for (String tag : line.trim().split("\\s+")) {
                if (!tag.isEmpty()) {
                    keys.add(tag);
                }
            }
        }
        return keys;
    }
}
