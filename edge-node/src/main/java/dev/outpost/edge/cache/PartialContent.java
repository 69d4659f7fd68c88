package dev.outpost.edge.cache;

import dev.outpost.common.http.ranges.RangeDecision;
import dev.outpost.common.http.ranges.RangeHeader;
import java.util.List;
import java.util.Optional;

/**
 * Partial content and the cache (RFC 9111 §3.3, §3.4; RFC 9110 §14); pure. A miss for one byte range asks the
 * origin for that range (not the whole object: a player seeking in a large video needs a slice, not a full fetch),
 * and a 206 answer is stored as a {@link Partial}. A stored partial answers a later single range it holds; a
 * request it cannot answer fetches what is missing: the client's own range, or — for the whole object — the one
 * missing span with {@code If-Range}, so a changed representation comes back whole instead of being mixed. Objects
 * larger than the store's object limit are never completed, only sliced.
 */
public final class PartialContent {
    private PartialContent() {
    }

    /** Whether {@code stored} can answer the request: any whole object can; a partial one, a held single range. */
    public static boolean answers(CachedObject stored, Fields request) {
        if (!stored.isPartial()) {
            return true;
        }
        // Asked as for a GET: a HEAD with a Range that the pieces hold is answered from them with the whole
        // representation's head (see ResponseWriter).
        return switch (Conditionals.ranges("GET", request, stored, stored.partial().total(), 1)) {
            case RangeDecision.Partial p -> stored.partial().covering(p.parts().get(0).first(),
                    p.parts().get(0).last()).isPresent();
            case RangeDecision.Unsatisfiable u -> true;
            case RangeDecision.Full f -> false;
            case RangeDecision.Ignored i -> false;
        };
    }

    /**
     * The {@code Range} a fetch for the cache asks for: the client's when it names one range ({@code bytes=a-b},
     * {@code a-}, {@code -n}); for a request of the whole object, the one span a stored partial lacks, when its
     * validator lets the parts be combined and the whole fits the store; otherwise none (the whole object, as
     * when a whole stored object is revalidated).
     */
    public static Optional<String> rangeToAsk(Optional<CachedObject> stored, Fields request, long maxObjectBytes) {
        if (stored.isPresent() && !stored.get().isPartial()) {
            return Optional.empty(); // a whole stale object is revalidated whole
        }
        Optional<String> clientRange = request.first("range").map(String::strip);
        if (clientRange.isPresent()) {
            return clientRange.filter(PartialContent::singleByteRange);
        }
        if (stored.isEmpty() || !stored.get().isPartial() || stored.get().partial().total() > maxObjectBytes
                || CachedObjects.strongValidator(stored.get()).isEmpty()) {
            return Optional.empty();
        }
        return stored.get().partial().onlyGap().map(gap -> "bytes=" + gap.first() + "-" + gap.last());
    }

    /** The {@code If-Range} that goes with a range asked to add to {@code stored}: its strong validator. */
    public static Optional<String> ifRange(Optional<CachedObject> stored) {
        return stored.filter(CachedObject::isPartial).flatMap(CachedObjects::strongValidator);
    }

    /** {@code bytes=} followed by one well-formed range spec, nothing else. */
    static boolean singleByteRange(String range) {
        return RangeHeader.parse(List.of(range)) instanceof RangeHeader.Specs specs && specs.specs().size() == 1;
    }
}
