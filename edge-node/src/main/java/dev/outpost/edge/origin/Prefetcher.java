package dev.outpost.edge.origin;

import dev.outpost.common.wire.EdgePrefetchResult;
import dev.outpost.common.wire.EdgePrefetchResult.Failure;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.Collapser;
import dev.outpost.edge.cache.Credentials;
import dev.outpost.edge.cache.Fields;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Fetches a list of URLs into the store (push by URL), one at a time and through the collapser, so a prefetch
 * and client misses for the same URL still make one origin request. Hosts not served here are failures, never
 * fetched. A URL that ends with no usable object in the store is a failure too, named with why: the origin
 * answered an error status (a 404 stored as a negative answer included), the answer may not be stored, or it
 * streams through (too large): a push exists to have the object ready, and did not.
 */
public final class Prefetcher {
    /** The configuration now, read once per URL. */
    private final Supplier<Routes> routes;
    private final CacheStore store;
    private final Collapser<FetchOutcome> collapser;
    private final OriginFetch fetch;

    public Prefetcher(Supplier<Routes> routes, CacheStore store, Collapser<FetchOutcome> collapser, OriginFetch fetch) {
        this.routes = routes;
        this.store = store;
        this.collapser = collapser;
        this.fetch = fetch;
    }

    public EdgePrefetchResult prefetch(List<String> urls, ProxyHeaders.Client client) {
        int stored = 0;
        int notStored = 0;
        long bytes = 0;
        List<Failure> failures = new ArrayList<>();
        Set<String> unknownHosts = new LinkedHashSet<>();
        for (String url : urls) {
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                failures.add(new Failure(url, "not a URL"));
                continue;
            }
            Optional<Route> route = uri.getHost() == null ? Optional.empty() : routes.get().find(uri.getHost());
            if (route.isEmpty()) {
                failures.add(new Failure(url, "no delivery service for this host"));
                if (uri.getHost() != null) {
                    unknownHosts.add(uri.getHost());
                }
                continue;
            }
            String key = route.get().keys().key(uri.getRawPath(), uri.getRawQuery());
            String target = route.get().keys().target(uri.getRawPath(), uri.getRawQuery());
            OriginFetch.Target t = OriginFetch.Target.forCache(route.get(), key, target, Fields.empty(), client,
                    Credentials.Use.NONE, store.lookup(key, Fields.empty()));
            FetchOutcome outcome;
            try {
                outcome = run(t);
            } catch (Exception e) {
                failures.add(new Failure(url, e.getMessage()));
                continue;
            }
            switch (outcome) {
                case FetchOutcome.Stored s when s.object().status() >= 400 -> failures.add(new Failure(url,
                        "origin answered " + s.object().status()));
                case FetchOutcome.Stored s -> {
                    stored++;
                    bytes += s.object().length();
                }
                case FetchOutcome.Uncacheable u -> {
                    notStored++;
                    failures.add(new Failure(url, "not stored: " + u.reason() + " (origin answered " + u.status()
                            + ")"));
                }
                case FetchOutcome.Relayed r -> {
                    notStored++;
                    failures.add(new Failure(url, "not stored: " + r.reason() + " (origin answered " + r.status()
                            + ")"));
                }
                case FetchOutcome.Filling f -> throw new IllegalStateException("run() waits for the body");
                case FetchOutcome.Sliced sl -> throw new IllegalStateException("only a client's miss is sliced");
                case FetchOutcome.OriginFailed f -> failures.add(new Failure(url, "origin answered " + f.status()));
                case FetchOutcome.Unreachable u -> failures.add(new Failure(url, u.message()));
                case FetchOutcome.Truncated tr -> failures.add(new Failure(url, tr.message()));
                case FetchOutcome.Rejected r -> failures.add(new Failure(url, r.message()));
            }
        }
        return new EdgePrefetchResult(List.copyOf(unknownHosts), stored, notStored, bytes, failures);
    }

    /** The fetch's final outcome: a body that was still arriving is waited for. */
    private FetchOutcome run(OriginFetch.Target t) throws ExecutionException, InterruptedException {
        FetchOutcome outcome = switch (collapser.enter(t.key())) {
            case Collapser.Lead<FetchOutcome> lead -> {
                FetchOutcome fetched;
                try {
                    fetched = fetch.fetch(t);
                } catch (RuntimeException | Error e) {
                    lead.fail(e);
                    throw e;
                }
                if (fetched instanceof FetchOutcome.Filling f) {
                    f.first().close();
                    lead.publish(f);
                    f.end().whenComplete((end, error) -> lead.finish());
                } else {
                    lead.complete(fetched);
                }
                yield fetched;
            }
            case Collapser.Follow<FetchOutcome> follow -> follow.result().get();
            case Collapser.Full<FetchOutcome> full -> throw new IllegalStateException("too many waiters");
        };
        return outcome instanceof FetchOutcome.Filling f ? f.end().get() : outcome;
    }
}
