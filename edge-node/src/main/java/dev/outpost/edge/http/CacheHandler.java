package dev.outpost.edge.http;

import dev.outpost.common.http.CacheControl;
import dev.outpost.edge.cache.Action;
import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.Credentials;
import dev.outpost.edge.cache.Decisions;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.cache.PartialContent;
import dev.outpost.edge.cache.Slices;
import dev.outpost.edge.control.Lease;
import dev.outpost.edge.origin.OriginFetch;
import dev.outpost.edge.origin.Refresher;
import dev.outpost.edge.origin.Route;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The cache: key → lookup (memory, then disk) → {@link Decisions#decide} → carry the decision out. Hits (and
 * stale-while-revalidate hits) are answered here on the IO thread straight from memory or a disk file; misses and revalidations go to {@link MissFlow},
 * unsafe methods to {@link PassThrough}.
 */
public final class CacheHandler implements HttpHandler {
    private static final List<String> CREDENTIALS = List.of("authorization", "cookie");

    private final CacheStore store;
    private final MissFlow misses;
    private final PassThrough pass;
    private final Refresher refresher;
    private final ResponseWriter writer;
    private final Executor blocking;
    private final Clock clock;
    private final Lease lease;
    /** Slice caching is on: a memory miss looks for the head of a sliced object. */
    private final boolean slicing;

    CacheHandler(CacheStore store, MissFlow misses, PassThrough pass, Refresher refresher, ResponseWriter writer,
            Executor blocking, Clock clock, Lease lease, boolean slicing) {
        this.slicing = slicing;
        this.lease = lease;
        this.store = store;
        this.misses = misses;
        this.pass = pass;
        this.refresher = refresher;
        this.writer = writer;
        this.blocking = blocking;
        this.clock = clock;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) {
        RequestRecord record = ex.getAttachment(RequestRecord.KEY);
        if (record != null) {
            record.status(Outcome.ERROR); // until an answer says otherwise (e.g. a malformed URL stays ERROR)
        }
        Route route = ex.getAttachment(RouteHandler.ROUTE);
        String method = ex.getRequestMethod().toString();
        String path = Requests.rawPath(ex);
        String key = route.keys().key(path, ex.getQueryString());
        Fields request = Requests.fields(ex);
        Credentials.Use credentials = route.credentials(request);
        // Nullable rather than Optional on the hit path: one allocation less per hit (bench HitAllocations). This
        // lookup counts the request for the memory tier's admission: once per request, so never done again below.
        CachedObject stored = store.find(key, request);
        if (stored == null && store.hasDisk() && (method.equals("GET") || method.equals("HEAD"))) {
            if (ex.isInIoThread() && !store.diskReadsOnIoThread()) {
                // Disk reads may wait for the device: not on an IO thread, where they would stall every other
                // connection on it. A tier on tmpfs (cache.disk.readOnIoThread) is read here, without the hand-off.
                // The worker goes on from the disk lookup: the request is not routed, keyed or counted again.
                ex.dispatch(blocking, worker -> answer(worker, route, method, path, key, request, credentials,
                        store.findOnDisk(key, request), true));
                return;
            }
            answer(ex, route, method, path, key, request, credentials, store.findOnDisk(key, request), true);
            return;
        }
        answer(ex, route, method, path, key, request, credentials, stored, false);
    }

    /**
     * Answers from {@code stored} (the memory tier's variant, or, when {@code diskLooked}, the disk tier's: the
     * memory tier had none), or goes to the origin.
     */
    private void answer(HttpServerExchange ex, Route route, String method, String path, String key, Fields request,
            Credentials.Use credentials, CachedObject stored, boolean diskLooked) {
        boolean fromDisk = diskLooked && stored != null;
        if (stored != null && !Credentials.mayAnswer(stored, credentials)) {
            stored = null; // made for anonymous requests: a request with credentials asks the origin
        }
        Instant now = clock.instant();
        if (stored == null && slicing && (method.equals("GET") || method.equals("HEAD"))
                && credentials != Credentials.Use.PRIVATE) {
            CachedObject head = store.find(Slices.headKey(key), request);
            if (head == null && diskLooked) { // the disk tier was looked at above: so is its head
                head = store.findOnDisk(Slices.headKey(key), request);
            }
            if (head != null && Credentials.mayAnswer(head, credentials)) {
                // Freshness is the object's, kept by its head; a head that may not be served as it is (stale,
                // soft-purged, the lease ran out) is fetched again with slice 0, and slices of its validator stay.
                boolean fresh = Decisions.decide(method, head, now) == Action.SERVE && !lease.expired(now);
                if (!fresh && onlyIfCached(request)) {
                    refuseOnlyIfCached(ex, CacheStatus.Fwd.STALE);
                    return;
                }
                misses.startSliced(ex, OriginFetch.Target.forCache(route, key, originTarget(ex, route, path),
                        request, Requests.client(ex), credentials, Optional.empty()),
                        fresh ? Optional.of(head) : Optional.empty());
                return;
            }
        }
        Action action = Decisions.decide(method, stored, now);
        if ((action == Action.SERVE || action == Action.SERVE_STALE_AND_REVALIDATE)
                && !PartialContent.answers(stored, request)) {
            action = Action.FETCH; // pieces held, not the ones asked for: fetch what is missing
        }
        // RFC 9211 allows one detail: which tier answered, unless the lease note matters more.
        String detail = fromDisk ? "; detail=disk" : "";
        if (stored != null && action != Action.BYPASS && lease.expired(now)) {
            // Not heard from the control plane within the lease: a purge of this object may have been missed.
            if (lease.revalidates()) {
                action = Action.REVALIDATE;
            } else {
                detail = "; detail=lease-expired";
            }
        }
        if ((action == Action.REVALIDATE || action == Action.FETCH) && onlyIfCached(request)) {
            refuseOnlyIfCached(ex, stored == null ? CacheStatus.Fwd.MISS
                    : stored.isPartial() ? CacheStatus.Fwd.PARTIAL : CacheStatus.Fwd.STALE);
            return;
        }
        switch (action) {
            case SERVE -> writer.serveFresh(ex, stored, request, Outcome.HIT, ttlSeconds(stored, now), detail);
            case SERVE_STALE_AND_REVALIDATE -> {
                writer.serveFresh(ex, stored, request, Outcome.STALE, ttlSeconds(stored, now),
                        "; detail=stale-while-revalidate");
                // The refresh is the cache's, shared with whoever asks meanwhile: never with this client's credentials.
                Fields anonymous = credentials == Credentials.Use.PRIVATE ? request.without(CREDENTIALS) : request;
                refresher.refresh(OriginFetch.Target.forCache(route, key, originTarget(ex, route, path), anonymous,
                        Requests.client(ex), route.credentials(anonymous), Optional.of(stored)));
            }
            case REVALIDATE, FETCH -> misses.start(ex, OriginFetch.Target.forCache(route, key,
                    originTarget(ex, route, path), request, Requests.client(ex), credentials,
                    Optional.ofNullable(stored)));
            case BYPASS -> ex.dispatch(blocking, () -> pass.forward(ex, route, key, request));
        }
    }

    /**
     * RFC 9111 §5.2.1.7: a client that wants a stored answer only (an offline reader, a prefetcher checking what is
     * cached) gets one or a 504, never a trip to the origin. Looked at only when the origin would be asked.
     */
    private static boolean onlyIfCached(Fields request) {
        return request.joined("cache-control").map(v -> CacheControl.parse(v).onlyIfCached()).orElse(false);
    }

    /** The 504 of {@link #onlyIfCached}; {@code why} is why the request would have gone forward. */
    private void refuseOnlyIfCached(HttpServerExchange ex, CacheStatus.Fwd why) {
        writer.error(ex, 504, "only_if_cached", "the request asks for a stored answer only (Cache-Control: "
                + "only-if-cached) and none may answer it", CacheStatus.forwarded(why)
                .withDetail(CacheStatus.Detail.ONLY_IF_CACHED));
    }

    /** The origin's request target: built only when the origin is asked (never on a hit). */
    private static String originTarget(HttpServerExchange ex, Route route, String path) {
        return route.keys().target(path, ex.getQueryString());
    }

    private static long ttlSeconds(CachedObject stored, Instant now) {
        return Math.floorDiv(stored.freshnessLeftNanos(now), 1_000_000_000L);
    }
}
