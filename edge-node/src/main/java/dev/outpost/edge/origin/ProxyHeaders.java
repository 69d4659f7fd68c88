package dev.outpost.edge.origin;

import dev.outpost.common.trace.TraceContext;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.cache.Vary;
import dev.outpost.common.service.RequestHeaderRules;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The headers the edge sends upstream; pure. The edge is a transparent cache, as nginx, Varnish, ATS and commercial
 * CDNs are: every end-to-end request header goes to the origin, and a response that depends on one says so in
 * {@code Vary}, which puts that header's value in the cache key. What it never forwards
 * ({@link RequestHeaderRules#withheld}): hop-by-hop and framing fields and those the client's {@code Connection}
 * names; the override headers that make an origin answer for another host, path, scheme or method (unkeyed inputs
 * a framework obeys without saying {@code Vary}: the classic poisoning route); client claims of its address; the
 * client's own {@code Via}/{@code X-Forwarded-*} (the edge writes its own); names with {@code _}; and what the
 * service's {@code requestHeaders.drop} lists. On a fetch for the cache it also withholds the client's validators
 * and {@code Range} (the edge sends its own validators and fetches whole objects), sends the normalised
 * {@code Accept-Encoding} the variant is keyed by, and names only this edge and its client in {@code Via} (after the
 * Outpost nodes the request already passed, {@link OutpostVia}) and {@code X-Forwarded-For}. With
 * {@code requestHeaders.forward: listed} a fetch for the cache sends only {@code Accept}, {@code Accept-Language},
 * {@code Authorization}, the stored response's Vary headers and the listed ones. A pass-through request (never
 * stored) extends the client's {@code Via}/{@code X-Forwarded-For} chains. Host is the origin's (OkHttp sets it
 * from the URL), except on a fetch through a shield, which gets the client's ({@link Upstream}). Every request upstream carries the edge's
 * {@code traceparent} (its span of the client's request as the parent, or a new trace for its own requests) and the
 * client's {@code tracestate} when it was valid, never the client's fields as sent.
 */
public final class ProxyHeaders {
    /** Sent on a listed-mode fetch for the cache whatever the list says. */
    private static final List<String> ALWAYS_LISTED = List.of("accept", "accept-language", "authorization");

    private ProxyHeaders() {
    }

    /** The W3C Trace Context fields: the client's are replaced by the edge's own span of the request. */
    private static final Set<String> TRACE_CONTEXT = Set.of("traceparent", "tracestate");

    /**
     * Client facts the proxy headers need. {@code trace}: the edge's span of the client's request, sent upstream as
     * the parent; empty for the edge's own requests (prefetches), each of which starts a new trace.
     */
    public record Client(String address, String proto, Optional<TraceContext> trace) {
        public Client(String address, String proto) {
            this(address, proto, Optional.empty());
        }
    }

    public static Fields forCacheFetch(Fields request, Optional<CachedObject> stale, Client client, String edgeId,
            RequestHeaderRules rules) {
        Set<String> connectionNamed = connectionNamed(request);
        List<String> varyNames = stale.map(CachedObject::vary).orElse(List.of());
        Fields.Builder b = Fields.builder(request.nameCount() + 6);
        boolean userAgent = false;
        for (int i = 0; i < request.nameCount(); i++) {
            String name = request.nameAt(i);
            if (!name.equals("accept-encoding") && sentOnCacheFetch(name, connectionNamed, varyNames, rules)) {
                request.linesAt(i).forEach(v -> b.add(name, v));
                userAgent |= name.equals("user-agent");
            }
        }
        b.set("accept-encoding", sentOnCacheFetch("accept-encoding", connectionNamed, varyNames, rules)
                ? Vary.acceptEncoding(request.joined("accept-encoding").orElse("")) : "identity");
        if (!userAgent) {
            b.set("user-agent", "Outpost-Edge (" + edgeId + ")"); // else OkHttp would name itself
        }
        stale.filter(CachedObject::hasValidators).ifPresent(o -> {
            o.etag().ifPresent(etag -> b.set("if-none-match", etag));
            o.lastModified().ifPresent(lm -> b.set("if-modified-since", lm));
        });
        // The client's Via/X-Forwarded-For chains would be unkeyed. HTTP and HTTPS clients share one cache entry (the
        // key is scheme-less), so the scheme the origin is told is the key's, never the client's: otherwise an answer
        // made for one scheme (a redirect to https, absolute links) would be served to the other.
        addForwarding(b, Fields.empty(), new Client(client.address(), "http", client.trace()), edgeId);
        // Only the Outpost entries of the client's Via go on (OutpostVia): what loop protection needs, no more.
        b.set("via", OutpostVia.chained(request, edgeId));
        return b.build();
    }

    /** Cache-fetch headers asking for one byte range, conditional on {@code ifRange} when there is one. */
    public static Fields withRange(Fields cacheFetch, String range, Optional<String> ifRange) {
        Fields.Builder b = Fields.builder(cacheFetch.nameCount() + 2);
        cacheFetch.forEach(b::add);
        b.set("range", range);
        ifRange.ifPresent(v -> b.set("if-range", v));
        return b.build();
    }

    public static Fields forPassThrough(Fields request, Client client, String edgeId, RequestHeaderRules rules) {
        Set<String> connectionNamed = connectionNamed(request);
        Fields.Builder b = Fields.builder(request.nameCount() + 3);
        for (int i = 0; i < request.nameCount(); i++) {
            String name = request.nameAt(i);
            if (forwarded(name, connectionNamed, rules)) {
                request.linesAt(i).forEach(v -> b.add(name, v));
            }
        }
        if (!request.has("accept-encoding") || !forwarded("accept-encoding", connectionNamed, rules)) {
            b.set("accept-encoding", "identity"); // else OkHttp would ask for gzip and unzip behind our back
        }
        addForwarding(b, request, client, edgeId);
        return b.build();
    }

    private static boolean sentOnCacheFetch(String name, Set<String> connectionNamed, List<String> varyNames,
            RequestHeaderRules rules) {
        if (RequestHeaderRules.CONDITIONALS.contains(name) || !forwarded(name, connectionNamed, rules)) {
            return false;
        }
        return !rules.listed() || ALWAYS_LISTED.contains(name) || name.equals("accept-encoding")
                || varyNames.contains(name) || rules.allow().contains(name);
    }

    /** Whether a (lower-case) header may go upstream at all: not withheld, not Connection-named, not dropped. */
    private static boolean forwarded(String name, Set<String> connectionNamed, RequestHeaderRules rules) {
        return RequestHeaderRules.withheld(name).isEmpty() && !connectionNamed.contains(name)
                && !rules.drop().contains(name) && !TRACE_CONTEXT.contains(name);
    }

    /** The names the client's {@code Connection} field lists: hop-by-hop for this connection only. */
    private static Set<String> connectionNamed(Fields request) {
        Set<String> names = new HashSet<>();
        for (String line : request.all("connection")) {
            for (String name : line.split(",")) {
                names.add(name.trim().toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    private static void addForwarding(Fields.Builder b, Fields request, Client client, String edgeId) {
        String via = OutpostVia.entry(edgeId);
        b.set("via", request.joined("via").map(v -> v + ", " + via).orElse(via));
        b.set("x-forwarded-for", request.joined("x-forwarded-for").map(v -> v + ", " + client.address())
                .orElse(client.address()));
        b.set("x-forwarded-proto", client.proto());
        // W3C Trace Context: the next hop's parent is this edge's span; the caller's tracestate goes on unchanged.
        TraceContext trace = client.trace().orElseGet(TraceContext::start);
        b.set("traceparent", trace.traceparent());
        trace.traceState().ifPresent(state -> b.set("tracestate", state));
    }
}
