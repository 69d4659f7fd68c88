package dev.outpost.edge.cache;

/** What the cache does with a request, decided by {@link Decisions#decide}. */
public enum Action {
    /** A fresh stored response answers it. */
    SERVE,
    /** Stale but within stale-while-revalidate: answer from the store and refresh once in the background. */
    SERVE_STALE_AND_REVALIDATE,
    /** Stale (or must be revalidated each time): ask the origin, conditionally when validators allow. */
    REVALIDATE,
    /** Nothing stored: fetch from the origin. */
    FETCH,
    /** Not a cache request at all (unsafe method): forward without lookup or storage. */
    BYPASS
}
