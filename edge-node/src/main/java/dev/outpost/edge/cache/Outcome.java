package dev.outpost.edge.cache;

/**
 * The one outcome of a request, recorded once and written to {@code X-Cache}, the access log and the metrics from
 * the same value. {@code ERROR} means the edge answered an error of its own (502/504/503).
 */
public enum Outcome {
    HIT, MISS, STALE, REVALIDATED, COLLAPSED, BYPASS, ERROR
}
