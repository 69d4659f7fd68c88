package dev.outpost.edge.cache;

import dev.outpost.common.http.CacheControl;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** Builds {@link CachedObject}s from origin responses and refreshes them from 304s; pure. */
public final class CachedObjects {
    /** RFC 9110 §7.6.1 hop-by-hop fields, never forwarded in either direction. */
    public static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");

    /**
     * Fields meant for Outpost's caches only, never passed on to clients. CDN-Cache-Control is not one of them: it
     * targets every CDN on the path (RFC 9213), so a CDN or shield in front of this edge needs it too, and browsers
     * ignore it; Surrogate-Control and Surrogate-Key are for the surrogate only, as Fastly and Akamai treat them.
     * The surrogate is the whole tier of Outpost nodes: a shield passes them on to the edges that fetch from it
     * (their request's {@code Via} names an Outpost node), which store the tags and the CDN's lifetime as it did;
     * the response writers drop them for everyone else.
     */
    public static final List<String> CDN_ONLY = List.of("surrogate-control", "surrogate-key");

    /** What {@link #clientHeaders} and {@link #storedHeaders} drop beside the fields Connection names. */
    private static final Set<String> CLIENT_DROPPED = framing(List.of());
    private static final Set<String> STORED_DROPPED = framing(List.of("set-cookie"));

    private CachedObjects() {
    }

    /**
     * Origin response headers for an answer: no hop-by-hop, no framing. The {@link #CDN_ONLY} fields stay: the
     * writer drops them unless the answer goes to another Outpost node.
     */
    public static Fields clientHeaders(Fields origin) {
        return withoutFraming(origin, CLIENT_DROPPED);
    }

    /** Headers kept with a stored object: the origin's, minus framing, Age and Set-Cookie (CDN-only kept). */
    static Fields storedHeaders(Fields origin) {
        return withoutFraming(origin, STORED_DROPPED);
    }

    /** Hop-by-hop fields, Content-Length, Age and {@code more}, lower case. */
    private static Set<String> framing(List<String> more) {
        Set<String> drop = new HashSet<>(HOP_BY_HOP);
        drop.addAll(more);
        drop.add("content-length");
        drop.add("age");
        return Set.copyOf(drop);
    }

    /** Without {@code drop} and the fields the Connection field names (sets made once: it runs on every miss). */
    private static Fields withoutFraming(Fields origin, Set<String> drop) {
        List<String> connection = origin.all("connection");
        if (!connection.isEmpty()) {
            Set<String> named = new HashSet<>(drop);
            for (String line : connection) {
                for (String name : line.split(",")) {
                    named.add(name.trim().toLowerCase(Locale.ROOT));
                }
            }
            drop = named;
        }
        return origin.withoutLowerCase(drop);
    }

    /** corrected_initial_age (RFC 9111 §4.2.3) of a response received between the two instants, in seconds. */
    public static long initialAgeSeconds(Fields originHeaders, Instant requestTime, Instant responseTime) {
        return Freshness.initialAge(originHeaders, requestTime, responseTime).toSeconds();
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
                body, requestTime, responseTime, vary, policy, shared, Partial.NONE);
    }

    /**
     * The stored object for a 206 answer: status 206, no body, the piece held in {@link CachedObject#partial};
     * its headers are the 206's without Content-Range (they describe the representation, RFC 9110 §15.3.7).
     */
    public static CachedObject createPartial(String key, Fields requestHeaders, Fields originHeaders,
            Partial.ContentRange range, ByteBuffer piece, Instant requestTime, Instant responseTime,
            CachePolicy policy, Credentials.Use credentials) {
        List<String> vary = Vary.names(originHeaders);
        boolean shared = credentials != Credentials.Use.NONE || Credentials.shareable(originHeaders);
        Fields headers = originHeaders.without(List.of("content-range"));
        return build(key, Vary.variant(vary, requestHeaders), 206, headers, storedHeaders(headers),
                ByteBuffer.allocate(0), requestTime, responseTime, vary, policy, shared, Partial.of(range, piece));
    }

    /**
     * A newly received piece combined with the stored partial object of the same variant when both carry the same
     * strong validator (RFC 9110 §15.3.7.3; the newest headers win); stored whole once every byte is held.
     * Without a common strong validator the new piece replaces what was held: pieces of two versions never mix.
     */
    public static CachedObject combine(Optional<CachedObject> stored, CachedObject piece) {
        CachedObject result = piece;
        if (stored.isPresent() && stored.get().isPartial() && stored.get().variant().equals(piece.variant())
                && stored.get().partial().total() == piece.partial().total()
                && strongValidator(stored.get()).isPresent()
                && strongValidator(stored.get()).equals(strongValidator(piece))) {
            result = withPartial(piece, stored.get().partial().with(piece.partial()));
        }
        if (result.partial().complete()) {
            return new CachedObject(result.key(), result.variant(), 200, result.headers(),
                    result.partial().pieces().get(0).bytes(), result.responseTime(), result.initialAge(),
                    result.lifetime(), result.staleWhileRevalidate(), result.staleIfError(), result.alwaysRevalidate(),
                    result.noStale(), false, result.vary(), result.surrogateKeys(), result.shared(), Partial.NONE);
        }
        return result;
    }

    private static CachedObject withPartial(CachedObject o, Partial partial) {
        return new CachedObject(o.key(), o.variant(), o.status(), o.headers(), o.heldBody(), o.responseTime(),
                o.initialAge(), o.lifetime(), o.staleWhileRevalidate(), o.staleIfError(), o.alwaysRevalidate(),
                o.noStale(), o.invalidated(), o.vary(), o.surrogateKeys(), o.shared(), partial);
    }

    /**
     * The validator that proves two parts belong to one representation: a strong ETag, else a Last-Modified at
     * least 60 s before the response's Date (RFC 9110 §8.8.2.2); empty when there is none.
     */
    public static Optional<String> strongValidator(CachedObject o) {
        Optional<String> etag = o.etag().map(String::strip);
        if (etag.isPresent()) {
            return etag.filter(e -> !e.startsWith("W/"));
        }
        Optional<Instant> lastModified = o.lastModified().flatMap(dev.outpost.common.http.HttpDates::parse);
        Optional<Instant> date = o.headers().first("date").flatMap(dev.outpost.common.http.HttpDates::parse);
        if (lastModified.isPresent() && date.isPresent()
                && !date.get().isBefore(lastModified.get().plusSeconds(60))) {
            return o.lastModified();
        }
        return Optional.empty();
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
        CachedObject r = build(old.key(), old.variant(), old.status(), timing.build(), merged, old.heldBody(),
                requestTime, responseTime, old.vary(), policy, old.shared() || Credentials.shareable(merged),
                old.partial());
        // The body is the old one's: still a disk-tier mapping if it was one.
        return !old.mapped() ? r : new CachedObject(r.key(), r.variant(), r.status(), r.headers(), r.heldBody(),
                r.responseTime(), r.initialAge(), r.lifetime(), r.staleWhileRevalidate(), r.staleIfError(),
                r.alwaysRevalidate(), r.noStale(), r.invalidated(), r.vary(), r.surrogateKeys(), r.shared(),
                r.partial(), true);
    }

    private static CachedObject build(String key, String variant, int status, Fields originHeaders, Fields served,
            ByteBuffer body, Instant requestTime, Instant responseTime, List<String> vary, CachePolicy policy,
            boolean shared, Partial partial) {
        CacheControl cc = Freshness.directives(originHeaders);
        Duration lifetime = Freshness.lifetime(status, originHeaders, responseTime, policy);
        Duration initialAge = Freshness.initialAge(originHeaders, requestTime, responseTime);
        Duration swr = seconds(cc.staleWhileRevalidate(), policy.staleWhileRevalidate());
        Duration sie = seconds(cc.staleIfError(), policy.staleIfError());
        // s-maxage implies proxy-revalidate (RFC 9111 §5.2.2.10) unless the origin grants stale use explicitly.
        boolean explicitStale = cc.staleIfError().isPresent() || cc.staleWhileRevalidate().isPresent();
        // A qualified no-cache="field" is treated like plain no-cache: revalidate every use (conservative).
        boolean alwaysRevalidate = cc.has("no-cache");
        // no-cache allows no use without a successful validation, so not on an origin error either (RFC 9111
        // §4.2.4, §5.2.2.4): like must-revalidate, and whatever stale-if-error says.
        boolean noStale = alwaysRevalidate || cc.mustRevalidate() || cc.proxyRevalidate()
                || cc.sMaxAge().isPresent() && !explicitStale;
        return new CachedObject(key, variant, status, served, body, responseTime, initialAge, lifetime, swr, sie,
                alwaysRevalidate, noStale, false, vary, surrogateKeys(originHeaders), shared, partial);
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
