package dev.outpost.edge.origin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.outpost.edge.cache.Cacheability;
import dev.outpost.edge.cache.Partial;
import dev.outpost.edge.cache.Slices;
import java.time.Duration;
import java.util.Optional;

/**
 * Decides, from the head of the answer to a client's miss, whether the object is fetched again in slices
 * (docs/caching-tiers.md#slices): the rules of {@link Slices}, and the objects found not sliceable lately (their
 * upstream ignored slice 0's Range, or slice 0 had no validator or length), which are fetched whole for a while so
 * a miss does not pay for a failed attempt each time.
 */
public final class Slicing {
    /** How long an object that could not be sliced is fetched whole (and streamed through) instead. */
    static final Duration NOT_SLICED_FOR = Duration.ofMinutes(5);

    private final Slices rules;
    private final Cache<String, Boolean> notSliced = Caffeine.newBuilder()
            .expireAfterWrite(NOT_SLICED_FOR).maximumSize(10_000).executor(Runnable::run).build();

    public Slicing(Slices rules) {
        this.rules = rules;
    }

    public Slices rules() {
        return rules;
    }

    /** The object keyed {@code key} turned out not to be sliceable: it is fetched whole for a while. */
    void notSliced(String key) {
        notSliced.put(key, true);
    }

    /**
     * Whether the answer to {@code t} (asked for {@code range}, if any) is an object to fetch in slices: a whole
     * 200 by {@link Slices#slices}, or a 206 to a client's range of an object {@link Slices#slicesPiece} slices.
     */
    boolean toSlice(OriginFetch.Target t, Optional<String> range, OriginResponse response) {
        if (!rules.enabled() || t.pass() || t.alone() || notSliced.getIfPresent(t.key()) != null) {
            return false;
        }
        boolean storable = Cacheability.whyNotStorable("GET", t.credentials(), 200, response.headers(),
                t.route().cacheSetCookie()).isEmpty();
        if (range.isEmpty()) {
            return rules.slices(response.status(), response.headers(), response.contentLength(), storable);
        }
        return response.status() == 206 && response.headers().first("content-range")
                .flatMap(Partial.ContentRange::parse)
                .filter(r -> rules.slicesPiece(response.headers(), r.total(), storable)).isPresent();
    }
}
