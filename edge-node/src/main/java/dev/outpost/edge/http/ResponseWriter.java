package dev.outpost.edge.http;

import dev.outpost.common.http.HttpJson;
import dev.outpost.common.http.ranges.ByteRange;
import dev.outpost.common.http.ranges.MultipartByteranges;
import dev.outpost.common.http.ranges.RangeDecision;
import dev.outpost.edge.cache.BodySlices;
import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Conditionals;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.cache.Partial;
import dev.outpost.edge.origin.Fill;
import dev.outpost.edge.origin.OutpostVia;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.xnio.IoUtils;

/**
 * Writes the edge's answers: stored objects (conditional 304, HEAD, Range/206/416, straight from memory with no
 * copy), buffered and streamed origin responses, the edge's own JSON errors, and aborts. Every answer carries
 * Cache-Status, X-Cache and X-Served-By and records its outcome once.
 */
final class ResponseWriter {
    /** Retry-After on the edge's own 503s. */
    private static final int RETRY_BUSY_AFTER_SECONDS = 1;
    private static final HttpString CACHE_STATUS = new HttpString("Cache-Status");
    private static final HttpString X_CACHE = new HttpString("X-Cache");
    private static final HttpString X_SERVED_BY = new HttpString("X-Served-By");
    private static final HttpString VIA = new HttpString("Via");

    /** Header names as written: canonical case, made once per name (origins are configured, so names are few). */
    private static final Map<String, HttpString> NAMES = new ConcurrentHashMap<>();

    private final String edgeId;
    /** This node's name in {@code Cache-Status} ({@link CacheStatus#NAME}, a shield's {@link CacheStatus#SHIELD_NAME}). */
    private final String cacheName;
    private final String cacheStatusPrefix;
    /** {@code Via} value, made once: every answer carries it. */
    private final String via;
    private final Clock clock;
    private final int maxRangeParts;
    private final BodyRelay relay;

    /** @param maxBodyWait longest a relay waits for the origin's next bytes (the origin's read timeout and more) */
    ResponseWriter(String edgeId, Clock clock, int maxRangeParts, Duration maxBodyWait) {
        this(edgeId, CacheStatus.NAME, clock, maxRangeParts, maxBodyWait);
    }

    ResponseWriter(String edgeId, String cacheName, Clock clock, int maxRangeParts, Duration maxBodyWait) {
        this.edgeId = edgeId;
        this.cacheName = cacheName;
        this.cacheStatusPrefix = cacheName + "; ";
        this.via = OutpostVia.entry(edgeId);
        this.clock = clock;
        this.maxRangeParts = maxRangeParts;
        this.relay = new BodyRelay(this, clock, maxBodyWait);
    }

    /** Serves a stored object; runs on any thread, never blocks. */
    void serveStored(HttpServerExchange ex, CachedObject o, Fields request, Outcome status, CacheStatus cacheStatus) {
        serve(ex, o, request, status, cacheStatus.value(cacheName));
    }

    /**
     * Serves a stored object from the hit path: the same as {@link #serveStored} with {@code Cache-Status} detail
     * {@code hit; ttl=<ttlSeconds><suffix>}, built as one string.
     */
    void serveFresh(HttpServerExchange ex, CachedObject o, Fields request, Outcome status, long ttlSeconds,
            String suffix) {
        serve(ex, o, request, status, cacheStatusPrefix + "hit; ttl=" + ttlSeconds + suffix);
    }

    private void serve(HttpServerExchange ex, CachedObject o, Fields request, Outcome status,
            String cacheStatusValue) {
        record(ex, status);
        HeaderMap out = ex.getResponseHeaders();
        Fields stored = o.headers();
        boolean toOutpost = toOutpostNode(ex);
        for (int i = 0; i < stored.nameCount(); i++) { // indexed, not forEach: no capturing lambda per hit
            String name = stored.nameAt(i);
            if (toOutpost || !CachedObjects.CDN_ONLY.contains(name)) {
                HttpString wire = headerName(name);
                for (int j = 0, lines = stored.lineCount(i); j < lines; j++) {
                    out.add(wire, stored.lineAt(i, j));
                }
            }
        }
        out.put(Headers.AGE, o.ageSeconds(clock.instant()));
        markWith(out, status, cacheStatusValue);
        boolean head = ex.getRequestMethod().equalToString("HEAD");
        // Preconditions before Range (RFC 9110 §13.2.2), for a whole object and for pieces alike.
        if (Conditionals.notModified(request, o)) {
            ex.setStatusCode(304);
            out.remove(Headers.CONTENT_TYPE);
            out.remove(Headers.CONTENT_ENCODING);
            ex.endExchange();
            return;
        }
        if (o.isPartial()) {
            servePiece(ex, out, o, request, head);
            return;
        }
        ByteBuffer body = o.body();
        int length = body.remaining();
        ex.setStatusCode(o.status());
        if (o.status() == 200) {
            out.put(Headers.ACCEPT_RANGES, "bytes");
            if (request.has("range")) {
                switch (Conditionals.ranges(ex.getRequestMethod().toString(), request, o, length, maxRangeParts)) {
                    case RangeDecision.Unsatisfiable unsatisfiable -> {
                        unsatisfiable(ex, out, unsatisfiable);
                        return;
                    }
                    case RangeDecision.Partial partial -> {
                        servePartial(ex, out, body, partial.parts());
                        return;
                    }
                    case RangeDecision.Full full -> {
                    }
                    case RangeDecision.Ignored ignored -> {
                    }
                }
            }
        }
        ex.setResponseContentLength(length);
        if (head) {
            ex.endExchange();
        } else {
            ex.getResponseSender().send(body);
        }
    }

    /**
     * Serves one range from the pieces of a partial object; callers make sure it holds the range
     * ({@link dev.outpost.edge.cache.PartialContent#answers}). A HEAD, for which Range means nothing, gets the
     * whole representation's head: the pieces know its length.
     */
    private void servePiece(HttpServerExchange ex, HeaderMap out, CachedObject o, Fields request, boolean head) {
        long total = o.partial().total();
        out.put(Headers.ACCEPT_RANGES, "bytes");
        switch (Conditionals.ranges(ex.getRequestMethod().toString(), request, o, total, 1)) {
            case RangeDecision.Unsatisfiable unsatisfiable -> {
                unsatisfiable(ex, out, unsatisfiable);
                return;
            }
            case RangeDecision.Partial partial -> {
                ByteRange range = partial.parts().get(0);
                Optional<Partial.Piece> piece = o.partial().covering(range.first(), range.last());
                if (piece.isPresent()) {
                    ex.setStatusCode(206);
                    out.put(Headers.CONTENT_RANGE, range.contentRange(total));
                    ex.setResponseContentLength(range.length());
                    ex.getResponseSender().send(piece.get().slice(range.first(), range.last()));
                    return;
                }
            }
            case RangeDecision.Ignored ignored when head -> {
                ex.setStatusCode(200);
                ex.setResponseContentLength(total);
                ex.endExchange();
                return;
            }
            case RangeDecision.Ignored ignored -> {
            }
            case RangeDecision.Full full -> {
            }
        }
        error(ex, 502, "partial_content", "the edge holds only part of this object, not the part asked for",
                CacheStatus.forwarded(CacheStatus.Fwd.PARTIAL).withDetail("partial"));
    }

    private static void unsatisfiable(HttpServerExchange ex, HeaderMap out, RangeDecision.Unsatisfiable decision) {
        ex.setStatusCode(416);
        out.put(Headers.CONTENT_RANGE, decision.contentRange());
        ex.setResponseContentLength(0);
        ex.endExchange();
    }

    /** A 206 of a whole stored body (GET only): one part as it is, several as multipart/byteranges. */
    private static void servePartial(HttpServerExchange ex, HeaderMap out, ByteBuffer body, List<ByteRange> parts) {
        ex.setStatusCode(206);
        long total = body.remaining();
        if (parts.size() == 1) {
            ByteRange range = parts.get(0);
            out.put(Headers.CONTENT_RANGE, range.contentRange(total));
            ex.setResponseContentLength(range.length());
            ex.getResponseSender().send(BodySlices.slice(body, range));
            return;
        }
        String type = Optional.ofNullable(out.getFirst(Headers.CONTENT_TYPE)).orElse("application/octet-stream");
        MultipartByteranges layout = MultipartByteranges.of(parts, type, total, MultipartByteranges.newBoundary());
        out.put(Headers.CONTENT_TYPE, layout.contentType());
        ex.setResponseContentLength(layout.length());
        ex.getResponseSender().send(BodySlices.multipart(layout, body));
    }

    /** Serves a complete response held in memory (uncacheable, or an origin error); never blocks. */
    void serveBuffered(HttpServerExchange ex, int statusCode, Fields headers, ByteBuffer body, Outcome status,
            CacheStatus cacheStatus) {
        record(ex, status);
        HeaderMap out = ex.getResponseHeaders();
        addOriginFields(ex, out, headers);
        markWith(out, status, cacheStatus.value(cacheName));
        ex.setStatusCode(statusCode);
        ex.setResponseContentLength(body.remaining());
        if (ex.getRequestMethod().equalToString("HEAD")) {
            ex.endExchange();
        } else {
            ex.getResponseSender().send(body.duplicate());
        }
    }

    /**
     * Relays a body as it arrives from the origin (blocking: call on a virtual thread); see {@link BodyRelay}.
     * Takes over {@code reader} and closes it.
     */
    void relay(HttpServerExchange ex, Fields request, Answer.FromBody answer, Fill.Reader reader) {
        relay.relay(ex, request, answer, reader);
    }

    /** origin.fetchOnIoThread: a body whole in its fill, written without blocking ({@link BodyRelay}). */
    void relayComplete(HttpServerExchange ex, Fields request, Answer.FromBody answer, Fill.Reader reader) {
        relay.relayComplete(ex, request, answer, reader);
    }

    /** origin.fetchOnIoThread: see {@link BodyRelay#relayFromHead}. */
    void relayFromHead(HttpServerExchange ex, Fields request, Answer.FromBody answer, Fill.Reader reader,
            ByteBuffer withHead, Executor rest) {
        relay.relayFromHead(ex, request, answer, reader, withHead, rest);
    }

    /** The edge's own error, as JSON. */
    void error(HttpServerExchange ex, int statusCode, String code, String message, CacheStatus cacheStatus) {
        record(ex, Outcome.ERROR);
        if (ex.isResponseStarted()) {
            abort(ex);
            return;
        }
        ex.getResponseHeaders().clear();
        markWith(ex.getResponseHeaders(), Outcome.MISS, cacheStatus.value(cacheName));
        if (statusCode == 503) {
            // The edge's own 503s (origin requests at their cap) pass within moments: say so (RFC 9110 §10.2.3).
            ex.getResponseHeaders().put(io.undertow.util.Headers.RETRY_AFTER, RETRY_BUSY_AFTER_SECONDS);
        }
        HttpJson.sendError(ex, statusCode, code, message);
    }

    /** Closes the connection without a complete response. */
    void abort(HttpServerExchange ex) {
        record(ex, Outcome.ERROR);
        ex.setPersistent(false);
        IoUtils.safeClose(ex.getConnection());
    }

    void originTime(HttpServerExchange ex, Duration spent) {
        RequestRecord r = ex.getAttachment(RequestRecord.KEY);
        if (r != null) {
            r.addOriginNanos(spent.toNanos());
        }
    }

    /** This node's entries' name in {@code Cache-Status}. */
    String cacheName() {
        return cacheName;
    }

    /**
     * Whether the answer may carry the {@link CachedObjects#CDN_ONLY} fields: only to another Outpost node (the
     * request's {@code Via} names one), e.g. an edge fetching its miss from this shield, which stores the tags and
     * the CDN's lifetime as this node did. A client can forge such a {@code Via} entry and would then see them:
     * what Fastly's {@code Fastly-FF} allows too; they are caching metadata, not credentials.
     */
    static boolean toOutpostNode(HttpServerExchange ex) {
        HeaderValues via = ex.getRequestHeaders().get(Headers.VIA);
        return via != null && !OutpostVia.hops(via).isEmpty();
    }

    /** An origin's (or a stored answer's) fields, as {@link #toOutpostNode} allows for this exchange. */
    static void addOriginFields(HttpServerExchange ex, HeaderMap out, Fields headers) {
        boolean toOutpost = toOutpostNode(ex);
        headers.forEach((name, value) -> {
            if (toOutpost || !CachedObjects.CDN_ONLY.contains(name)) {
                out.add(headerName(name), value);
            }
        });
    }

    /** Cache-Status, X-Cache, X-Served-By and Via: on every answer. */
    void markWith(HeaderMap out, Outcome status, String cacheStatusValue) {
        out.put(CACHE_STATUS, cacheStatusValue);
        out.put(X_CACHE, status == Outcome.ERROR ? "MISS" : status.name());
        out.put(X_SERVED_BY, edgeId);
        out.add(VIA, via);
    }

    /** {@code content-type} → {@code Content-Type}, {@code etag} → {@code ETag}. */
    static HttpString headerName(String lower) {
        HttpString cached = NAMES.get(lower);
        if (cached != null) {
            return cached;
        }
        HttpString name = new HttpString(canonical(lower));
        if (NAMES.size() < 1024) {
            NAMES.put(lower, name);
        }
        return name;
    }

    private static String canonical(String lower) {
        if (lower.equals("etag")) {
            return "ETag";
        }
        StringBuilder sb = new StringBuilder(lower.length());
        boolean start = true;
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            sb.append(start ? Character.toUpperCase(c) : c);
            start = c == '-';
        }
        return sb.toString();
    }

    static void record(HttpServerExchange ex, Outcome status) {
        RequestRecord r = ex.getAttachment(RequestRecord.KEY);
        if (r != null) {
            r.status(status);
        }
    }
}
