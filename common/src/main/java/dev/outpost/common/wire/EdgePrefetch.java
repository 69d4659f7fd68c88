package dev.outpost.common.wire;

import java.util.List;

/**
 * Body of the edge's {@code POST /_edge/prefetch} ({@link EdgeAdmin}), the edge side of a push: the URLs to fetch
 * into its store, at least one. <pre>{"urls":["http://www.example.com/app.js"]}</pre>
 */
public record EdgePrefetch(List<String> urls) {
    public EdgePrefetch {
        if (urls == null || urls.isEmpty()) {
            throw new IllegalArgumentException("urls must list at least one URL");
        }
        urls = List.copyOf(urls);
    }

    /** The admin call that carries out a push entry of the log. */
    public static EdgePrefetch of(InvalidationEntry entry) {
        if (entry.kind() != InvalidationEntry.Kind.PUSH) {
            throw new IllegalArgumentException("entry " + entry.sequence() + " is a " + entry.kind() + ", not a push");
        }
        return new EdgePrefetch(entry.urls());
    }

    /** This call as the log's entry {@code sequence}. */
    public InvalidationEntry entry(long sequence) {
        return new InvalidationEntry(sequence, InvalidationEntry.Kind.PUSH, urls, List.of(), List.of(), List.of(),
                false, false, List.of());
    }
}
