package dev.outpost.edge.cache;

import dev.outpost.common.http.HttpDates;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Stores content handed to the edge directly (push) as if the origin had answered 200 with the given headers, by
 * the same cacheability and freshness rules; a push the rules would not store is refused with the reason.
 */
public final class Pusher {
    /** Request headers of a push that become the stored response's headers. */
    public static final List<String> STORED_HEADERS = List.of("content-type", "content-encoding",
            "content-language", "cache-control", "cdn-cache-control", "surrogate-control", "surrogate-key", "etag",
            "last-modified", "expires");

    private final CacheStore store;
    private final CachePolicy policy;
    private final Clock clock;
    private final Function<String, Optional<CacheKeys>> keysForHost;

    /** @param keysForHost the key normalizer of the delivery service serving a host; empty for hosts not served */
    public Pusher(CacheStore store, CachePolicy policy, Clock clock,
            Function<String, Optional<CacheKeys>> keysForHost) {
        this.store = store;
        this.policy = policy;
        this.clock = clock;
        this.keysForHost = keysForHost;
    }

    /** What a push did. */
    public record Result(String key, int bytes, boolean stored, Optional<String> reason) {
    }

    public Result push(URI url, Fields headers, byte[] body) {
        Optional<CacheKeys> keys = keysForHost.apply(url.getHost());
        if (keys.isEmpty()) {
            return new Result(url.toString(), body.length, false, Optional.of("unknown-host"));
        }
        String key = keys.get().key(url.getRawPath(), url.getRawQuery());
        Instant now = clock.instant();
        Fields.Builder b = Fields.builder();
        headers.forEach((name, value) -> {
            if (STORED_HEADERS.contains(name)) {
                b.add(name, value);
            }
        });
        b.set("date", HttpDates.format(now));
        Fields response = b.build();
        if (body.length > policy.maxObjectBytes()) {
            return new Result(key, body.length, false, Optional.of("too-large"));
        }
        Optional<String> why = Cacheability.whyNotStorable("GET", Credentials.Use.NONE, 200, response, false);
        if (why.isPresent()) {
            return new Result(key, body.length, false, why);
        }
        store.put(CachedObjects.create(key, Fields.empty(), 200, response, ByteBuffer.wrap(body), now, now, policy));
        return new Result(key, body.length, true, Optional.empty());
    }
}
