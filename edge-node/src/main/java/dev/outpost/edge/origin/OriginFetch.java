package dev.outpost.edge.origin;

import dev.outpost.edge.cache.BodyIntegrity;
import dev.outpost.edge.cache.CachePolicy;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.Cacheability;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Credentials;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.cache.Partial;
import dev.outpost.edge.cache.PartialContent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * One fetch for the cache, as the collapser's leader (or a background refresh, or a prefetch) runs it: ask the
 * origin (conditionally when a stale copy has validators), then apply the rules — a 304 refreshes the stored copy,
 * a 5xx or an unreachable origin never touches one that may still answer errors (a 5xx with explicit freshness is
 * otherwise stored like any response), a storable complete body is stored, a truncated one never is, large or
 * unknown-length bodies are left for streaming.
 */
public final class OriginFetch {
    /** Error bodies from the origin are relayed only up to this size. */
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final OriginClient client;
    private final CacheStore store;
    private final CachePolicy policy;
    private final String edgeId;

    public OriginFetch(OriginClient client, CacheStore store, CachePolicy policy, String edgeId) {
        this.client = client;
        this.store = store;
        this.policy = policy;
        this.edgeId = edgeId;
    }

    /**
     * What the fetch is for.
     *
     * @param credentials what the request's Cookie / Authorization mean for storing its answer
     * @param pass        hit-for-pass: a plain proxy request with all the client's headers, never stored
     */
    public record Target(Route route, String key, String target, Fields requestHeaders, ProxyHeaders.Client client,
            Credentials.Use credentials, Optional<CachedObject> stale, boolean pass) {

        public Target asPass() {
            return new Target(route, key, target, requestHeaders, client, credentials, stale, true);
        }

        /** Its answer may depend on the client's credentials: it neither leads nor follows other requests. */
        public boolean alone() {
            return credentials == Credentials.Use.PRIVATE;
        }
    }

    public FetchOutcome fetch(Target t) {
        // Taken before the origin is asked: a purge that runs from here on keeps this answer out of the store.
        long ticket = store.fetchTicket();
        Optional<String> range = t.pass() ? Optional.empty()
                : PartialContent.rangeToAsk(t.stale(), t.requestHeaders(), policy.maxObjectBytes());
        FetchOutcome outcome = fetch(t, range, ticket);
        if (range.isPresent() && outcome instanceof FetchOutcome.Stored s
                && !PartialContent.answers(s.object(), t.requestHeaders())) {
            // The part asked for did not complete what the client wants (the representation changed under an
            // origin that ignores If-Range, or answered another range): ask for the whole.
            return fetch(new Target(t.route(), t.key(), t.target(), t.requestHeaders(), t.client(), t.credentials(),
                    Optional.empty(), false), Optional.empty(), ticket);
        }
        return outcome;
    }

    private FetchOutcome fetch(Target t, Optional<String> range, long ticket) {
        Fields headers;
        if (t.pass()) {
            headers = ProxyHeaders.forPassThrough(t.requestHeaders(), t.client(), edgeId, t.route().requestHeaders());
        } else if (range.isPresent()) {
            headers = ProxyHeaders.withRange(ProxyHeaders.forCacheFetch(t.requestHeaders(), Optional.empty(),
                    t.client(), edgeId, t.route().requestHeaders()), range.get(), PartialContent.ifRange(t.stale()));
        } else {
            // A stored partial has no whole body to revalidate: the whole object is asked for afresh.
            headers = ProxyHeaders.forCacheFetch(t.requestHeaders(), t.stale().filter(o -> !o.isPartial()),
                    t.client(), edgeId, t.route().requestHeaders());
        }
        OriginResponse response;
        try {
            response = client.send(t.route().origins(), new OriginRequest("GET", t.target(), headers, new byte[0]));
        } catch (OriginUnreachable e) {
            return new FetchOutcome.Unreachable(e.timeout(), e.getMessage());
        }
        boolean keepOpen = false;
        try {
            int status = response.status();
            if (status == 206 && range.isPresent()) {
                FetchOutcome partial = partial(t, response, ticket);
                keepOpen = partial instanceof FetchOutcome.Streaming;
                return partial;
            }
            if (status == 304 && t.stale().isPresent() && !t.stale().get().isPartial() && !t.pass()) {
                CachedObject refreshed = CachedObjects.refresh(t.stale().get(), response.headers(),
                        response.requestTime(), response.responseTime(), policy);
                return new FetchOutcome.Stored(refreshed, true, store.putFetched(refreshed, ticket));
            }
            if (status >= 500 && errorStandsAsFailure(t, response)) {
                long len = response.contentLength();
                ByteBuffer body = ByteBuffer.allocate(0);
                if (len >= 0 && len <= MAX_ERROR_BODY) {
                    try {
                        body = read(response, ByteBuffer.allocate((int) len)); // small and never stored: heap
                    } catch (IOException e) {
                        // An incomplete error body is still an error answer; relay it without the body.
                    }
                }
                return new FetchOutcome.OriginFailed(status, CachedObjects.clientHeaders(response.headers()), body);
            }
            Optional<String> why = t.pass() ? Optional.of("hit-for-pass")
                    : Cacheability.whyNotStorable("GET", t.credentials(), status, response.headers(),
                            t.route().cacheSetCookie());
            long len = response.contentLength();
            ByteBuffer body;
            if (len < 0 && why.isEmpty() && response.framed()) {
                // Chunked (or HTTP/2) without a length: stored like any other when it ends within the limit.
                switch (FramedBody.read(response.body(), policy.maxObjectBytes())) {
                    case FramedBody.Complete c -> body = c.read();
                    case FramedBody.TooLarge tooLarge -> {
                        forgetStale(t);
                        keepOpen = true;
                        return new FetchOutcome.Streaming(response.afterReading(tooLarge.read()), "too-large", true);
                    }
                    case FramedBody.NoMemory noMemory -> {
                        keepOpen = true;
                        return new FetchOutcome.Streaming(response.afterReading(noMemory.read()),
                                "direct-memory-full", false);
                    }
                }
            } else {
                if (why.isPresent() || len < 0 || len > policy.maxObjectBytes()) {
                    forgetStale(t);
                }
                if (len < 0 || len > policy.maxObjectBytes()) {
                    keepOpen = true;
                    return new FetchOutcome.Streaming(response, why.orElse(len < 0 ? "unknown-length" : "too-large"),
                            true);
                }
                try {
                    body = ByteBuffer.allocateDirect((int) len);
                } catch (OutOfMemoryError e) {
                    // -XX:MaxDirectMemorySize is reached even after the JVM collected dead (evicted) bodies, i.e.
                    // live bodies fill it: relay this one as it arrives instead of failing the request. Not stored.
                    keepOpen = true;
                    return new FetchOutcome.Streaming(response, "direct-memory-full", false);
                }
                body = read(response, body);
            }
            Optional<BodyIntegrity.Mismatch> broken = BodyIntegrity.check(status, response.headers(), body);
            if (broken.isPresent()) { // never stored, never relayed
                client.bodyRejected(broken.get().kind());
                return new FetchOutcome.Rejected(status, broken.get().message());
            }
            if (why.isPresent()) {
                return new FetchOutcome.Uncacheable(status, CachedObjects.clientHeaders(response.headers()), body,
                        why.get());
            }
            CachedObject object = CachedObjects.create(t.key(), t.requestHeaders(), status, response.headers(), body,
                    response.requestTime(), response.responseTime(), policy, t.credentials());
            return new FetchOutcome.Stored(object, false, store.putFetched(object, ticket));
        } catch (IOException e) {
            return new FetchOutcome.Truncated("origin body incomplete: " + e.getMessage());
        } finally {
            if (!keepOpen) {
                response.close();
            }
        }
    }

    /**
     * A 206 to a range the edge asked for: stored as a piece of the representation (combined with the pieces held
     * when they share a strong validator) when the rules would store the whole 200 and it fits; relayed otherwise.
     */
    private FetchOutcome partial(Target t, OriginResponse response, long ticket) throws IOException {
        Optional<Partial.ContentRange> range = response.headers().first("content-range")
                .flatMap(Partial.ContentRange::parse);
        long len = response.contentLength();
        Optional<String> why = range.isEmpty() ? Optional.of("partial")
                : Cacheability.whyNotStorable("GET", t.credentials(), 200, response.headers(),
                        t.route().cacheSetCookie());
        if (len < 0 || len > policy.maxObjectBytes() || range.isPresent() && range.get().length() != len) {
            return new FetchOutcome.Streaming(response, why.orElse("partial-too-large"), false);
        }
        ByteBuffer piece = read(response, ByteBuffer.allocateDirect((int) len));
        Optional<BodyIntegrity.Mismatch> broken = BodyIntegrity.check(206, response.headers(), piece);
        if (broken.isPresent()) { // never stored, never relayed
            client.bodyRejected(broken.get().kind());
            return new FetchOutcome.Rejected(206, broken.get().message());
        }
        if (why.isPresent()) {
            return new FetchOutcome.Uncacheable(206, CachedObjects.clientHeaders(response.headers()), piece,
                    why.get());
        }
        CachedObject object = CachedObjects.combine(t.stale(), CachedObjects.createPartial(t.key(),
                t.requestHeaders(), response.headers(), range.get(), piece, response.requestTime(),
                response.responseTime(), policy, t.credentials()));
        return new FetchOutcome.Stored(object, false, store.putFetched(object, ticket));
    }

    /**
     * The URL's stored copies no longer describe what the origin serves, once its answer is uncacheable or too
     * large; an answer made for one client's credentials says nothing about them.
     */
    private void forgetStale(Target t) {
        if (!t.pass() && !t.alone()) {
            t.stale().ifPresent(old -> store.purge(t.key(), false));
        }
    }

    /**
     * Whether a 5xx answer is a failure to carry out (a usable stale copy answers instead, or the error is relayed
     * and never stored) rather than a response to store: one with explicit freshness is as reusable as any other
     * (RFC 9111 §3), but never replaces a copy that stale-if-error lets answer.
     */
    private boolean errorStandsAsFailure(Target t, OriginResponse response) {
        boolean staleMayAnswer = t.stale().filter(o -> o.usableOnError(response.responseTime())).isPresent();
        return t.pass() || staleMayAnswer || Cacheability.whyNotStorable("GET", t.credentials(), response.status(),
                response.headers(), t.route().cacheSetCookie()).isPresent();
    }

    /**
     * Fills {@code body} with exactly the announced length; an early end is an IOException, so a short body is
     * never stored. Bodies for the cache land in direct buffers: hits then go to the socket without the JDK copying
     * heap bytes each time.
     */
    private static ByteBuffer read(OriginResponse response, ByteBuffer body) throws IOException {
        int length = body.remaining();
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
