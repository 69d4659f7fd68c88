package dev.outpost.origin.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpDates;
import dev.outpost.common.http.preconditions.Preconditions;
import dev.outpost.common.http.preconditions.Validators;
import dev.outpost.common.http.ranges.ByteRange;
import dev.outpost.common.http.ranges.MultipartByteranges;
import dev.outpost.common.http.ranges.RangeDecision;
import dev.outpost.common.http.ranges.Ranges;
import dev.outpost.common.http.ranges.Representation;
import dev.outpost.origin.content.AssetPath;
import dev.outpost.origin.content.MasterFile;
import dev.outpost.origin.content.MasterStore;
import dev.outpost.origin.content.OpenMaster;
import dev.outpost.origin.content.PathRules;
import dev.outpost.origin.content.RequestPaths;
import dev.outpost.origin.content.ResponsePolicy;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Serves master copies with GET and HEAD: validators and caching headers, conditional requests (304/412), Range
 * (206, multipart/byteranges, 416). The decisions are made by common's {@link Preconditions} and {@link Ranges}, the
 * one policy the edge applies too (docs/architecture.md); this handler only carries them out, and
 * {@link FileBodyTransfer} sends the bytes from the open file, never more or fewer than its Content-Length says,
 * without holding a worker thread while the client reads.
 */
final class ContentHandler implements HttpHandler {
    private static final HttpString REPR_DIGEST = new HttpString("Repr-Digest");
    private static final HttpString SURROGATE_KEY = new HttpString("Surrogate-Key");
    /** Range-specs accepted in one Range; more → the whole file (edges ask for one range at a time). */
    static final int MAX_RANGE_PARTS = 100;

    private final MasterStore store;
    private final PathRules rules;
    private final int maxRangeParts;
    private final BooleanSupplier serving;

    ContentHandler(MasterStore store, PathRules rules) {
        this(store, rules, MAX_RANGE_PARTS, () -> true);
    }

    /**
     * @param serving false while this origin is a replica that never finished copying its primary: then every
     *                request is answered 503, so edges go to their next origin instead of caching a 404
     */
    ContentHandler(MasterStore store, PathRules rules, int maxRangeParts, BooleanSupplier serving) {
        if (maxRangeParts < 1) {
            throw new IllegalArgumentException("maxRangeParts must be >= 1, was " + maxRangeParts);
        }
        this.store = store;
        this.rules = rules;
        this.maxRangeParts = maxRangeParts;
        this.serving = serving;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        boolean head = exchange.getRequestMethod().equals(Methods.HEAD);
        if (!head && !exchange.getRequestMethod().equals(Methods.GET)) {
            throw new ApiException(405, "method_not_allowed", "only GET and HEAD are served here, not "
                    + exchange.getRequestMethod()).withHeader("Allow", "GET, HEAD");
        }
        if (!serving.getAsBoolean()) {
            throw new ApiException(503, "replica_not_ready", "this origin is a replica that has not finished its "
                    + "first copy of its primary; ask the primary").withHeader("Retry-After", "5");
        }
        AssetPath path = RequestPaths.confine(exchange.getRequestURI());
        OpenMaster open = store.open(path).orElseThrow(() -> ApiException.notFound("no asset at " + path));
        List<MultipartByteranges.Piece> body;
        try {
            body = respond(exchange, open, head);
        } catch (RuntimeException e) {
            open.close();
            throw e;
        }
        if (body.isEmpty()) {
            open.close();
        } else {
            FileBodyTransfer.start(exchange, open, body); // closes the file when the exchange ends
        }
    }

    /**
     * Sets status and headers; answers the body to send (empty for none). Size, validators and bytes all come
     * from the one open version.
     */
    private List<MultipartByteranges.Piece> respond(HttpServerExchange exchange, OpenMaster open, boolean head) {
        MasterFile file = open.file();
        AssetPath path = file.path();
        HeaderMap request = exchange.getRequestHeaders();
        Preconditions conditions = new Preconditions(lines(request, Headers.IF_MATCH),
                lines(request, Headers.IF_NONE_MATCH), lines(request, Headers.IF_MODIFIED_SINCE),
                lines(request, Headers.IF_UNMODIFIED_SINCE), lines(request, Headers.IF_RANGE));
        String etag = file.etag();
        Validators validators = Validators.current(etag, file.lastModifiedSeconds());
        putValidators(exchange, file, rules.policyFor(path.urlPath()));
        switch (conditions.evaluate(200, validators)) {
            case PRECONDITION_FAILED -> throw new ApiException(412, "precondition_failed",
                    "If-Match or If-Unmodified-Since does not hold for " + path + " (current ETag " + etag + ")");
            case NOT_MODIFIED -> {
                // RFC 9110 §8.6 allows a 304 only the Content-Length a 200 would have; sending it explicitly also
                // keeps the server from adding "Content-Length: 0" to a HEAD, which a cache could take as the size.
                exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, file.size());
                exchange.setStatusCode(304);
                return List.of();
            }
            case PROCEED -> {
            }
        }
        exchange.getResponseHeaders().put(Headers.ACCEPT_RANGES, "bytes");
        RangeDecision decision = Ranges.decide(exchange.getRequestMethod().toString(), lines(request, Headers.RANGE),
                conditions, new Representation(file.size(), file.contentType(), validators), maxRangeParts);
        return switch (decision) {
            case RangeDecision.Full full -> whole(exchange, file, head);
            case RangeDecision.Ignored ignored -> whole(exchange, file, head);
            case RangeDecision.Unsatisfiable unsatisfiable -> throw new ApiException(416,
                    "range_not_satisfiable", "no requested range overlaps the " + file.size() + " bytes of " + path)
                    .withHeader("Content-Range", unsatisfiable.contentRange());
            case RangeDecision.Partial partial when partial.parts().size() == 1 ->
                    range(exchange, file, partial.parts().get(0));
            case RangeDecision.Partial partial -> parts(exchange, file, partial.parts());
        };
    }

    /** Headers every 200, 206 and 304 carries; an error answer replaces them. */
    private static void putValidators(HttpServerExchange exchange, MasterFile file, ResponsePolicy policy) {
        HeaderMap response = exchange.getResponseHeaders();
        response.put(Headers.ETAG, file.etag());
        response.put(Headers.LAST_MODIFIED, HttpDates.format(file.lastModifiedSeconds()));
        policy.cacheControl().ifPresent(value -> response.put(Headers.CACHE_CONTROL, value));
        policy.surrogateKey().ifPresent(value -> response.put(SURROGATE_KEY, value));
    }

    private static List<MultipartByteranges.Piece> whole(HttpServerExchange exchange, MasterFile file,
            boolean head) {
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, file.contentType());
        exchange.getResponseHeaders().put(REPR_DIGEST, file.reprDigest());
        exchange.setResponseContentLength(file.size());
        return head || file.size() == 0 ? List.of()
                : List.of(new MultipartByteranges.Piece.Part(new ByteRange(0, file.size() - 1)));
    }

    private static List<MultipartByteranges.Piece> range(HttpServerExchange exchange, MasterFile file,
            ByteRange range) {
        exchange.setStatusCode(206);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, file.contentType());
        exchange.getResponseHeaders().put(Headers.CONTENT_RANGE, range.contentRange(file.size()));
        exchange.setResponseContentLength(range.length());
        return List.of(new MultipartByteranges.Piece.Part(range));
    }

    private static List<MultipartByteranges.Piece> parts(HttpServerExchange exchange, MasterFile file,
            List<ByteRange> ranges) {
        MultipartByteranges body = MultipartByteranges.of(ranges, file.contentType(), file.size(),
                MultipartByteranges.newBoundary());
        exchange.setStatusCode(206);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, body.contentType());
        exchange.setResponseContentLength(body.length());
        return body.pieces();
    }

    /** Every field line of a request header, in order; empty when absent. */
    private static List<String> lines(HeaderMap headers, HttpString name) {
        HeaderValues values = headers.get(name);
        return values == null ? List.of() : List.copyOf(values);
    }
}
