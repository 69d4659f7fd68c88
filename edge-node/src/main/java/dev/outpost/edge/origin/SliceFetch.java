package dev.outpost.edge.origin;

import dev.outpost.edge.cache.BodyIntegrity;
import dev.outpost.edge.cache.CachePolicy;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Cacheability;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.cache.Partial;
import dev.outpost.edge.cache.Slices;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fetches one slice of a large object for the cache (docs/caching-tiers.md#slices): a GET with
 * {@code Range: bytes=a-b} to the upstream the edge fetches the object from ({@link OriginFetch#ask}), read whole
 * into a buffer of the slice's size, checked, and stored under the slice's key. Slice 0 is fetched first, without
 * a validator: its answer makes the object's head (headers, freshness, length, validator). Every later slice is
 * asked with {@code If-Range} (and {@code If-Match} for an entity tag) naming the head's validator, so an upstream
 * whose object changed refuses (412) or answers whole (200) rather than sending bytes of another version; an
 * answer whose own validator or {@code Content-Range} is not the one asked for is refused here too.
 */
public final class SliceFetch {
    private final OriginFetch fetch;
    private final CacheStore store;
    private final CachePolicy policy;
    private final String edgeId;
    private final Slicing slicing;
    private final Slices slices;
    private final LongAdder fetched;

    /** @param fetched counts slice requests sent upstream */
    public SliceFetch(OriginFetch fetch, CacheStore store, CachePolicy policy, String edgeId, Slicing slicing,
            LongAdder fetched) {
        this.slicing = slicing;
        this.slices = slicing.rules();
        this.fetched = fetched;
        this.fetch = fetch;
        this.store = store;
        this.policy = policy;
        this.edgeId = edgeId;
    }

    /** What a slice fetch came to. */
    public sealed interface Result {
    }

    /** The slice's bytes (stored unless a purge overtook the fetch) and, for slice 0, the object's head. */
    public record Got(ByteBuffer bytes, Optional<CachedObject> head) implements Result {
        public Got {
            bytes = bytes.asReadOnlyBuffer();
        }
    }

    /** The upstream's object is no longer the one the head names (412, a whole 200, another validator). */
    public record Changed(String why) implements Result {
    }

    /**
     * Slice 0's answer cannot start a sliced object (a 200 to the Range, no usable validator, not storable, an
     * error): the object is served the ordinary way. {@code rangesIgnored}: the upstream answered the Range whole.
     */
    public record NotSliced(String why, boolean rangesIgnored) implements Result {
    }

    /** No usable answer (unreachable, an error status, a broken body). */
    public record Failed(String why) implements Result {
    }

    /** Slice fetches sent upstream since start. */
    public long fetched() {
        return fetched.sum();
    }

    public Slices slices() {
        return slices;
    }

    /** Fetches slice 0, which makes the object's head; stores both. */
    public Result first(OriginFetch.Target t) {
        return fetchSlice(t, 0, -1, Optional.empty());
    }

    /** Fetches slice {@code index} of the object {@code head} describes; stores it. */
    public Result next(OriginFetch.Target t, CachedObject head, long index) {
        return fetchSlice(t, index, total(head), Slices.validator(head.headers()));
    }

    /** The representation's length a head holds (its slice 0's {@code Content-Range}). */
    public static long total(CachedObject head) {
        return head.headers().first("content-range").flatMap(Partial.ContentRange::parse)
                .map(Partial.ContentRange::total).orElseThrow(() -> new IllegalStateException(
                        "a slice head without Content-Range: " + head.key()));
    }

    private Result fetchSlice(OriginFetch.Target t, long index, long total, Optional<String> validator) {
        long ticket = store.fetchTicket(); // before the upstream is asked, as for any fetch for the cache
        Fields headers = ProxyHeaders.withRange(ProxyHeaders.forCacheFetch(t.requestHeaders(), Optional.empty(),
                t.client(), edgeId, t.route().requestHeaders()), slices.range(index, total), validator);
        if (validator.isPresent() && Slices.isEntityTag(validator.get())) {
            headers = headers.updatedWith(Fields.of("if-match", validator.get()));
        }
        fetched.increment();
        try (OriginResponse response = fetch.ask(t, headers)) {
            Result result = answer(t, index, total, validator, response, ticket);
            if (result instanceof NotSliced) {
                slicing.notSliced(t.key()); // a lasting reason: the next misses are served whole straight away
            }
            return result;
        } catch (OriginUnreachable e) {
            return new Failed(e.getMessage());
        } catch (IOException e) {
            return new Failed("slice body incomplete: " + e.getMessage());
        }
    }

    private Result answer(OriginFetch.Target t, long index, long total, Optional<String> validator,
            OriginResponse response, long ticket) throws IOException {
        int status = response.status();
        if (validator.isPresent() && (status == 412 || status == 200)) {
            return new Changed("upstream answered " + status + " to a slice asked for " + validator.get());
        }
        if (status != 206) {
            return validator.isEmpty() && status == 200 ? new NotSliced("ranges-ignored", true)
                    : validator.isEmpty() ? new NotSliced("upstream answered " + status, false)
                    : new Failed("upstream answered " + status + " to a slice");
        }
        Optional<Partial.ContentRange> range = response.headers().first("content-range")
                .flatMap(Partial.ContentRange::parse);
        Optional<String> answered = Slices.validator(response.headers());
        if (validator.isPresent() && !answered.equals(validator)) {
            return new Changed("a slice came with validator " + answered.orElse("none") + ", not " + validator.get());
        }
        if (range.isEmpty() || answered.isEmpty()) {
            return validator.isEmpty() ? new NotSliced("no length or validator in the first slice", false)
                    : new Failed("a slice without Content-Range");
        }
        Partial.ContentRange r = range.get();
        long objectLength = total < 0 ? r.total() : total;
        if (r.total() != objectLength) {
            return new Changed("the object's length changed from " + objectLength + " to " + r.total());
        }
        if (r.first() != slices.first(index) || r.last() != slices.last(index, objectLength)
                || response.contentLength() >= 0 && response.contentLength() != r.length()) {
            return new Failed("upstream answered " + r + " to slice " + index);
        }
        ByteBuffer body = read(response, (int) r.length());
        Optional<BodyIntegrity.Mismatch> broken = BodyIntegrity.check(206, response.headers(), body);
        if (broken.isPresent()) {
            return new Failed(broken.get().message());
        }
        Optional<CachedObject> head = Optional.empty();
        if (index == 0) {
            if (Cacheability.whyNotStorable("GET", t.credentials(), 200, response.headers(),
                    t.route().cacheSetCookie()).isPresent()) {
                return new NotSliced("not storable", false);
            }
            CachedObject h = CachedObjects.create(Slices.headKey(t.key()), t.requestHeaders(), 200,
                    response.headers(), ByteBuffer.allocate(0), response.requestTime(), response.responseTime(),
                    policy, t.credentials());
            store.putFetched(h, ticket);
            head = Optional.of(h);
        }
        CachedObject slice = CachedObjects.create(Slices.sliceKey(t.key(), answered.get(), index),
                t.requestHeaders(), 200, response.headers(), body,
                response.requestTime(), response.responseTime(), policy, t.credentials());
        store.putFetched(slice, ticket);
        return new Got(body, head);
    }

    /** Reads exactly {@code length} bytes into a direct buffer (what the store keeps); a short body is an error. */
    private static ByteBuffer read(OriginResponse response, int length) throws IOException {
        ByteBuffer body;
        try {
            body = ByteBuffer.allocateDirect(length);
        } catch (OutOfMemoryError e) {
            body = ByteBuffer.allocate(length); // served, and stored on the heap: still within the store's bound
        }
        byte[] chunk = new byte[Math.min(length, 64 * 1024)];
        try (InputStream in = response.body()) {
            while (body.hasRemaining()) {
                int n = in.read(chunk, 0, Math.min(chunk.length, body.remaining()));
                if (n < 0) {
                    throw new IOException("expected " + length + " bytes, got " + body.position());
                }
                body.put(chunk, 0, n);
            }
        }
        return body.flip();
    }
}
