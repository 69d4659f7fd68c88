package dev.outpost.edge.origin;

import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.cache.Vary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The headers the edge sends upstream. A fetch for the cache sends only headers that are part of the key or
 * harmless (Accept, Accept-Language, a normalized Accept-Encoding, and whatever the stored Vary names), so no
 * unkeyed request header can change a body that is then served to everyone; an authorized fetch (whose answer is
 * stored when it says {@code public}) adds only the Authorization itself. Its Via and X-Forwarded-For name only
 * this edge and its direct client: the client's own values of those are unkeyed inputs too. A pass-through request
 * (never stored) forwards every end-to-end header and extends the client's Via/X-Forwarded-For chains, except the
 * headers that make an origin or framework answer for another host, path, scheme or method ({@link #OVERRIDES}),
 * which never go upstream. Host is always the origin's (OkHttp sets it from the URL).
 */
public final class ProxyHeaders {
    private static final List<String> CACHE_FETCH_HEADERS = List.of("accept", "accept-language");

    /**
     * Request headers that frameworks and proxies read as "the real host/path/scheme/method" (X-Forwarded-Host,
     * X-Original-URL, X-HTTP-Method-Override, ...): none is in the cache key, so none may reach the origin.
     */
    public static final List<String> OVERRIDES = List.of("x-forwarded-host", "x-forwarded-server",
            "x-forwarded-port", "x-forwarded-scheme", "x-forwarded-prefix", "x-forwarded-path", "x-forwarded-uri",
            "x-forwarded-ssl", "forwarded", "x-original-url", "x-original-host", "x-original-uri", "x-rewrite-url",
            "x-http-method-override", "x-http-method", "x-method-override", "x-host", "x-http-host-override",
            "front-end-https", "x-url-scheme", "x-forwarded-protocol", "x-original-method");

    private ProxyHeaders() {
    }

    /** Client facts the proxy headers need. */
    public record Client(String address, String proto) {
    }

    public static Fields forCacheFetch(Fields request, Optional<CachedObject> stale, Client client, String edgeId,
            boolean authorized) {
        Fields.Builder b = Fields.builder();
        List<String> names = new ArrayList<>(CACHE_FETCH_HEADERS);
        stale.ifPresent(o -> names.addAll(o.vary()));
        if (authorized) {
            names.add("authorization");
        }
        for (String name : names) {
            if (!name.equals("accept-encoding") && !CachedObjects.HOP_BY_HOP.contains(name) && !name.equals("host")
                    && !OVERRIDES.contains(name) && !name.equals("via") && !name.equals("x-forwarded-for")) {
                request.all(name).forEach(v -> b.add(name, v));
            }
        }
        b.set("accept-encoding", Vary.acceptEncoding(request.joined("accept-encoding").orElse("")));
        b.set("user-agent", "Outpost-Edge (" + edgeId + ")"); // the client's would be an unkeyed input
        stale.filter(CachedObject::hasValidators).ifPresent(o -> {
            o.etag().ifPresent(etag -> b.set("if-none-match", etag));
            o.lastModified().ifPresent(lm -> b.set("if-modified-since", lm));
        });
        // The client's Via/X-Forwarded-For would be unkeyed. HTTP and HTTPS clients share one cache entry (the key
        // is scheme-less), so the scheme the origin is told is the key's, never the client's: otherwise an answer
        // made for one scheme (a redirect to https, absolute links) would be served to the other.
        addForwarding(b, Fields.empty(), new Client(client.address(), "http"), edgeId);
        return b.build();
    }

    public static Fields forPassThrough(Fields request, Client client, String edgeId) {
        List<String> drop = new ArrayList<>(CachedObjects.HOP_BY_HOP);
        drop.addAll(List.of("host", "content-length", "expect", "via", "x-forwarded-for", "x-forwarded-proto"));
        drop.addAll(OVERRIDES);
        for (String line : request.all("connection")) {
            for (String name : line.split(",")) {
                drop.add(name.trim().toLowerCase(Locale.ROOT));
            }
        }
        Fields.Builder b = Fields.builder();
        request.without(drop).forEach(b::add);
        if (!request.has("accept-encoding")) {
            b.set("accept-encoding", "identity"); // else OkHttp would ask for gzip and unzip behind our back
        }
        addForwarding(b, request, client, edgeId);
        return b.build();
    }

    private static void addForwarding(Fields.Builder b, Fields request, Client client, String edgeId) {
        String via = "1.1 " + edgeId;
        b.set("via", request.joined("via").map(v -> v + ", " + via).orElse(via));
        b.set("x-forwarded-for", request.joined("x-forwarded-for").map(v -> v + ", " + client.address())
                .orElse(client.address()));
        b.set("x-forwarded-proto", client.proto());
    }
}
