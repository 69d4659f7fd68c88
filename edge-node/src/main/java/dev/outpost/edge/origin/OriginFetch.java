package dev.outpost.edge.origin;

import dev.outpost.edge.cache.BodyIntegrity;
import dev.outpost.edge.cache.CachePolicy;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Credentials;
import dev.outpost.edge.cache.FetchPlan;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.cache.Partial;
import dev.outpost.edge.cache.PartialContent;
import dev.outpost.edge.config.OriginTimeouts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * One fetch for the cache, as the collapser's leader (or a background refresh, or a prefetch) runs it: ask the
 * origin (conditionally when a stale copy has validators, for a range when the request or a stored piece calls for
 * one), let {@link FetchPlan} decide from the answer's head what to do, and carry that out. A streamed body is read
 * by a filler at the origin's speed (into memory, or the spool), whoever reads it and however slowly: the fetch
 * returns with the head, and clients read the {@link Fill} as it fills ({@link StreamedFetch}).
 *
 * <p>Every fetch takes a ticket from the store's purge fence before it asks, so an answer a purge overtook is
 * never stored as if nothing happened.
 */
public final class OriginFetch {
    /** Error bodies from the origin are relayed only up to this size. */
    private static final int MAX_ERROR_BODY = 64 * 1024;
    /** Why an answer followed by bytes beyond its framing is not stored (metrics, Cache-Status detail). */
    static final String OVERRAN = "origin-overran";

    private final OriginClient client;
    private final Upstream upstream;
    private final CacheStore store;
    private final CachePolicy policy;
    private final String edgeId;
    private final StreamedFetch streamed;
    private final Slicing slicing;

    /**
     * @param spool       where bodies that are not kept in memory go while clients read them
     * @param windowBytes memory a body may hold ahead of its slowest reader once the spool is full
     * @param backgroundFillMaxBytes the largest object a fill still fetches for the cache once every client left
     * @param fillers     runs the filler threads (blocking reads: virtual threads)
     * @param slicing     when a client's miss is fetched again in slices ({@link #fetchForMiss})
     */
    public OriginFetch(OriginClient client, CacheStore store, CachePolicy policy, String edgeId, Spool spool,
            long windowBytes, long backgroundFillMaxBytes, Executor fillers, Slicing slicing) {
        this(client, Upstream.originOnly(client), store, policy, edgeId, spool, windowBytes, backgroundFillMaxBytes,
                fillers, slicing);
    }

    /** @param upstream where fetches for the cache go: a shield or the origin ({@link Upstream}) */
    public OriginFetch(OriginClient client, Upstream upstream, CacheStore store, CachePolicy policy, String edgeId,
            Spool spool, long windowBytes, long backgroundFillMaxBytes, Executor fillers, Slicing slicing) {
        this.slicing = slicing;
        this.client = client;
        this.upstream = upstream;
        this.store = store;
        this.policy = policy;
        this.edgeId = edgeId;
        this.streamed = new StreamedFetch(client, store, policy, spool, windowBytes, backgroundFillMaxBytes, fillers);
    }

    /**
     * What the fetch is for.
     *
     * @param credentials what the request's Cookie / Authorization mean for storing its answer
     * @param stale       the stored copy it revalidates or completes, if any
     * @param pass        hit-for-pass: a plain proxy request with all the client's headers, never stored
     */
    public record Target(Route route, String key, String target, Fields requestHeaders, ProxyHeaders.Client client,
            Credentials.Use credentials, Optional<CachedObject> stale, boolean pass) {

        /** A fetch for the cache: a miss, or the revalidation or completion of {@code stored}. */
        public static Target forCache(Route route, String key, String target, Fields request,
                ProxyHeaders.Client client, Credentials.Use credentials, Optional<CachedObject> stored) {
            return new Target(route, key, target, request, client, credentials, stored, false);
        }

        /** The same request sent as a plain proxy request (hit-for-pass): all its headers, never stored. */
        public Target asPass() {
            return new Target(route, key, target, requestHeaders, client, credentials, stale, true);
        }

        /** The same fetch asking for the whole object, with no stored copy to revalidate or complete. */
        Target afresh() {
            return new Target(route, key, target, requestHeaders, client, credentials, Optional.empty(), pass);
        }

        /** The same fetch from the service's origins after its first (which failed it already). */
        public Target withoutFirstOrigin() {
            Route rest = new Route(route.service(), route.keys(), route.origins().subList(1, route.origins().size()));
            return new Target(rest, key, target, requestHeaders, client, credentials, stale, pass);
        }

        /** Its answer may depend on the client's credentials: it neither leads nor follows other requests. */
        public boolean alone() {
            return credentials == Credentials.Use.PRIVATE;
        }
    }

    /** A fetch for the cache (a refresh, a prefetch, a fallback from slices): the answer is never sliced. */
    public FetchOutcome fetch(Target t) {
        return fetch(t, false);
    }

    /**
     * A client's miss: like {@link #fetch}, but an answer to slice comes back as {@link FetchOutcome.Sliced}, its
     * body unread, for the caller to serve from slices; and a small body to store comes back with its filler not
     * started ({@link FetchOutcome.Filling#filler}): the caller, which relays it, runs it or starts it.
     */
    public FetchOutcome fetchForMiss(Target t) {
        return fetch(t, true);
    }

    /** {@code forMiss}: a client's miss (see {@link #fetchForMiss}). */
    private FetchOutcome fetch(Target t, boolean forMiss) {
        boolean maySlice = forMiss;
        // Taken before the origin is asked: a purge that runs from here on keeps this answer out of the store.
        long ticket = store.fetchTicket();
        Optional<String> range = t.pass() ? Optional.empty()
                : PartialContent.rangeToAsk(t.stale(), t.requestHeaders(), policy.maxObjectBytes());
        FetchOutcome outcome = fetch(t, range, ticket, maySlice, forMiss);
        if (range.isPresent() && outcome instanceof FetchOutcome.Stored s
                && !PartialContent.answers(s.object(), t.requestHeaders())) {
            // The part asked for did not complete what the client wants (the representation changed under an
            // origin that ignores If-Range, or answered another range): ask for the whole.
            return fetch(t.afresh(), Optional.empty(), ticket, false, false);
        }
        return outcome;
    }

    /**
     * Sends a GET for the cache to the upstream the edge fetches {@code t} from; the one place a fetch for the
     * cache (whole object or slice) picks where it goes.
     */
    OriginResponse ask(Target t, Fields headers) throws OriginUnreachable {
        // The one place the upstream is chosen: a shield of the service's shield region, or the origin.
        return upstream.send(t, new OriginRequest("GET", t.target(), headers, new byte[0], t.client().address()));
    }

    private FetchOutcome fetch(Target t, Optional<String> range, long ticket, boolean maySlice,
            boolean leaderReads) {
        OriginResponse response;
        try {
            response = ask(t, requestHeaders(t, range));
        } catch (OriginUnreachable e) {
            return new FetchOutcome.Unreachable(e.timeout(), e.busy(), e.down(), e.getMessage());
        }
        return outcomeOf(t, range, response, ticket, maySlice, leaderReads);
    }

    /**
     * origin.fetchOnIoThread: what a client's miss with no stored copy and no range sends its
     * origin, for a client that is not this class's (the IO thread's, {@link IoOrigin}); the purge ticket is taken
     * here, before the origin is asked, as {@link #fetch} does.
     */
    public record IoAsk(Fields headers, long ticket, OriginTimeouts timeouts, int maxHeaderBytes,
            OriginSlots slots, OriginClient client) {
        /** Whether the origin's circuit lets a request through (else the blocking path skips it). */
        public boolean allows(java.net.URI origin) {
            return client.allows(origin);
        }
    }

    /**
     * origin.fetchOnIoThread: whether the fill for {@code response} gets its memory without waiting: the IO thread must not
     * take a body's buffer when direct memory is short ({@code Fill.keepingAllocated} may make the JVM collect and
     * sleep), as {@link StreamedFetch#stream} would then.
     */
    public static boolean fillsWithoutWaiting(OriginResponse response) {
        long length = response.contentLength();
        return length < 0 || DirectMemory.hasRoomFor(2 * length);
    }

    /**
     * Runs an IO thread's fill (it stores the answer) if storing cannot wait for the store's purge fence; false,
     * without running it, when it could ({@link CacheStore#tryFillWithoutWaiting}).
     */
    public boolean tryFillWithoutWaiting(Runnable fill) {
        return store.tryFillWithoutWaiting(fill);
    }

    /** origin.fetchOnIoThread: whether a small miss may be fetched on its IO thread ({@link IoOrigin}). */
    public boolean fetchesOnIoThread() {
        return client.timeouts().fetchOnIoThread();
    }

    /** origin.fetchOnIoThread: see {@link IoAsk}. */
    public IoAsk ioAsk(Target t) {
        long ticket = store.fetchTicket();
        return new IoAsk(requestHeaders(t, Optional.empty()), ticket, client.timeouts(), client.maxHeaderBytes(),
                client.slots(), client);
    }

    /**
     * origin.fetchOnIoThread: the outcome of a client's miss whose answer {@code response} came from a client that is not this
     * class's; as {@link #fetchForMiss}, but the answer is given.
     */
    public FetchOutcome ioOutcome(Target t, OriginResponse response, long ticket) {
        return outcomeOf(t, Optional.empty(), response, ticket, true, true);
    }

    /**
     * origin.fetchOnIoThread: whether {@link #ioOutcome} for an answer whose body is still arriving returns without
     * reading it nor waiting, so the IO thread that read its head may take it: the body is streamed (not read whole
     * first, as a server error's is) into a fill that gets its memory at once ({@link #fillsWithoutWaiting}).
     */
    public boolean streamsWithoutWaiting(Target t, OriginResponse response) {
        return fillsWithoutWaiting(response) && planOf(t, Optional.empty(), response) instanceof FetchPlan.Stream;
    }

    private FetchPlan planOf(Target t, Optional<String> range, OriginResponse response) {
        return FetchPlan.of(new FetchPlan.Facts(t.pass(), range.isPresent(), t.stale(), response.status(),
                response.headers(), response.contentLength(), response.framed(), t.credentials(),
                t.route().cacheSetCookie(), response.responseTime(), policy.maxObjectBytes()));
    }

    private FetchOutcome outcomeOf(Target t, Optional<String> range, OriginResponse response, long ticket,
            boolean maySlice, boolean leaderReads) {
        if (maySlice && slicing.toSlice(t, range, response)) {
            response.close(); // the body is fetched again slice by slice
            if (t.stale().isPresent()) {
                store.purge(t.key(), false); // the whole (or partial) copy is replaced by the sliced object
            }
            return new FetchOutcome.Sliced();
        }
        FetchPlan plan = planOf(t, range, response);
        if (plan instanceof FetchPlan.Stream s && !s.storable() && s.lasting()) {
            forgetStale(store, t); // the stored copies no longer describe what the origin serves
        }
        FetchOutcome outcome = null;
        try {
            outcome = switch (plan) {
                case FetchPlan.Piece p -> piece(t, response, p, ticket);
                case FetchPlan.Refresh r -> {
                    CachedObject refreshed = CachedObjects.refresh(t.stale().orElseThrow(), response.headers(),
                            response.requestTime(), response.responseTime(), policy);
                    yield new FetchOutcome.Stored(refreshed, true, store.putFetched(refreshed, ticket));
                }
                case FetchPlan.ServerError e -> serverError(response);
                case FetchPlan.Buffer b -> buffered(t, response, ticket);
                case FetchPlan.Stream s -> streamed.stream(t, response, s, ticket, leaderReads);
            };
            return outcome;
        } catch (IOException e) {
            return new FetchOutcome.Truncated("origin body incomplete: " + e.getMessage());
        } finally {
            if (!(outcome instanceof FetchOutcome.Filling)) {
                response.close(); // a filling body's response belongs to its filler
            }
        }
    }

    private Fields requestHeaders(Target t, Optional<String> range) {
        if (t.pass()) {
            return ProxyHeaders.forPassThrough(t.requestHeaders(), t.client(), edgeId, t.route().requestHeaders());
        }
        if (range.isPresent()) {
            return ProxyHeaders.withRange(ProxyHeaders.forCacheFetch(t.requestHeaders(), Optional.empty(),
                    t.client(), edgeId, t.route().requestHeaders()), range.get(), PartialContent.ifRange(t.stale()));
        }
        // A stored partial has no whole body to revalidate: the whole object is asked for afresh.
        return ProxyHeaders.forCacheFetch(t.requestHeaders(), t.stale().filter(o -> !o.isPartial()), t.client(),
                edgeId, t.route().requestHeaders());
    }

    /**
     * Relays any origin response (a pass-through request's) through a spooled {@link Fill}: the origin is read at
     * its own speed, the client reads at its own, and nothing is stored.
     */
    public FetchOutcome.Filling relay(OriginResponse response, String reason) {
        return streamed.stream(null, response, new FetchPlan.Stream(false, Optional.of(reason), false), 0, false);
    }

    /**
     * Whether the origin sent more than this answer's framing announced ({@link FramingCheck}: its connection is
     * closed already): the body it announced is delivered, but not stored, since which bytes the origin meant is
     * not known (a Content-Length counted in characters, not bytes, is the usual cause).
     */
    static boolean overran(OriginClient client, OriginResponse response) {
        Optional<String> why = response.overran();
        why.ifPresent(w -> client.bodyRejected(OVERRAN));
        return why.isPresent();
    }

    /** A 5xx counted as failing: its (small) body is kept to relay when no stale copy answers instead. */
    private static FetchOutcome serverError(OriginResponse response) {
        long len = response.contentLength();
        ByteBuffer body = ByteBuffer.allocate(0);
        if (len >= 0 && len <= MAX_ERROR_BODY) {
            try {
                body = read(response, ByteBuffer.allocate((int) len)); // small and never stored: heap
            } catch (IOException e) {
                // An incomplete error body is still an error answer; relay it without the body.
            }
        }
        return new FetchOutcome.OriginFailed(response.status(), CachedObjects.clientHeaders(response.headers()),
                body);
    }

    /** Read whole and checked before anyone sees it, so a stale copy can still answer a broken body. */
    private FetchOutcome buffered(Target t, OriginResponse response, long ticket) throws IOException {
        int status = response.status();
        ByteBuffer body;
        try {
            body = read(response, ByteBuffer.allocateDirect((int) response.contentLength()));
        } catch (OutOfMemoryError e) {
            return streamed.stream(t, response, new FetchPlan.Stream(false, Optional.of("direct-memory-full"), false),
                    ticket, false);
        }
        Optional<BodyIntegrity.Mismatch> broken = BodyIntegrity.check(status, response.headers(), body);
        if (broken.isPresent()) { // never stored, never relayed
            client.bodyRejected(broken.get().kind());
            return new FetchOutcome.Rejected(status, broken.get().message());
        }
        if (overran(client, response)) {
            return new FetchOutcome.Uncacheable(status, CachedObjects.clientHeaders(response.headers()), body,
                    OVERRAN);
        }
        CachedObject object = CachedObjects.create(t.key(), t.requestHeaders(), status, response.headers(), body,
                response.requestTime(), response.responseTime(), policy, t.credentials());
        return new FetchOutcome.Stored(object, false, store.putFetched(object, ticket));
    }

    /**
     * A 206 to a range the edge asked for: stored as a piece of the representation (combined with the pieces held
     * when they share a strong validator) when the rules would store the whole 200 and it fits; relayed otherwise.
     */
    private FetchOutcome piece(Target t, OriginResponse response, FetchPlan.Piece plan, long ticket)
            throws IOException {
        Optional<Partial.ContentRange> range = response.headers().first("content-range")
                .flatMap(Partial.ContentRange::parse);
        long len = response.contentLength();
        Optional<String> why = range.isEmpty() ? Optional.of("partial") : plan.notStoredBecause();
        if (len < 0 || len > policy.maxObjectBytes() || range.isPresent() && range.get().length() != len) {
            return streamed.stream(t, response, new FetchPlan.Stream(false,
                    Optional.of(why.orElse("partial-too-large")), false), ticket, false);
        }
        ByteBuffer piece = read(response, ByteBuffer.allocateDirect((int) len));
        Optional<BodyIntegrity.Mismatch> broken = BodyIntegrity.check(206, response.headers(), piece);
        if (broken.isPresent()) { // never stored, never relayed
            client.bodyRejected(broken.get().kind());
            return new FetchOutcome.Rejected(206, broken.get().message());
        }
        if (why.isEmpty() && overran(client, response)) {
            why = Optional.of(OVERRAN);
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
    static void forgetStale(CacheStore store, Target t) {
        if (!t.pass() && !t.alone()) {
            t.stale().ifPresent(old -> store.purge(t.key(), false));
        }
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
