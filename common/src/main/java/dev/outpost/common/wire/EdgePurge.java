package dev.outpost.common.wire;

import java.util.List;

/**
 * Body of the edge's {@code POST /_edge/purge} ({@link EdgeAdmin}): what to purge; absent lists are empty, and at
 * least one target must be named.
 * <pre>{"urls":["http://www.example.com/a.css"],"prefixes":[],"tags":[],"hosts":[],"all":false,"soft":false}</pre>
 */
public record EdgePurge(List<String> urls, List<String> prefixes, List<String> tags, List<String> hosts,
        Boolean all, Boolean soft) {
    public EdgePurge {
        urls = urls == null ? List.of() : List.copyOf(urls);
        prefixes = prefixes == null ? List.of() : List.copyOf(prefixes);
        tags = tags == null ? List.of() : List.copyOf(tags);
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        all = all != null && all;
        soft = soft != null && soft;
        if (urls.isEmpty() && prefixes.isEmpty() && tags.isEmpty() && hosts.isEmpty() && !all) {
            throw new IllegalArgumentException("a purge must name urls, prefixes, tags, hosts or all=true");
        }
    }

    /** The admin call that carries out a purge entry of the log. */
    public static EdgePurge of(InvalidationEntry entry) {
        if (entry.kind() != InvalidationEntry.Kind.PURGE) {
            throw new IllegalArgumentException("entry " + entry.sequence() + " is a " + entry.kind() + ", not a purge");
        }
        return new EdgePurge(entry.urls(), entry.prefixes(), entry.tags(), entry.hosts(), entry.all(), entry.soft());
    }

    /** This call as the log's entry {@code sequence} (regions are the control plane's business, not the edge's). */
    public InvalidationEntry entry(long sequence) {
        return new InvalidationEntry(sequence, InvalidationEntry.Kind.PURGE, urls, prefixes, tags, hosts, all, soft,
                List.of());
    }
}
