package dev.outpost.common.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * One entry of the control plane's invalidation log: either a purge (by URL, prefix, surrogate key/tag, host or
 * everything; hard or soft) or a push (prefetch these URLs). Edges receive it in a heartbeat reply's catch-up list
 * ({@link HeartbeatReply}); live pushes use the edge's own admin API instead ({@code POST /_edge/purge} with the
 * purge fields, {@code POST /_edge/prefetch} with the urls, the sequence in {@code X-Outpost-Sequence}).
 *
 * <pre>{"sequence":42,"kind":"purge","urls":["http://www.example.com/a.css"],"prefixes":[],"tags":[],"hosts":[],
 *  "all":false,"soft":false,"regions":["eu"]}</pre>
 *
 * <p>Edges apply catch-up entries in the order given and keep the highest sequence applied, which they report in
 * heartbeats. Applying is idempotent: an entry applied twice (a live push racing a catch-up page) does no harm.
 * A {@code config} entry carries a {@link ServiceChange} in {@code config} (absent on purges and pushes).
 * {@code regions} is informational for edges (empty = every region); the control plane only hands an edge the
 * entries of its region. Absent lists read as empty.
 */
public record InvalidationEntry(long sequence, Kind kind, List<String> urls, List<String> prefixes,
        List<String> tags, List<String> hosts, boolean all, boolean soft, List<String> regions,
        @JsonInclude(JsonInclude.Include.NON_NULL) ServiceChange config) {
    /** A purge or push entry (no {@code config}). */
    public InvalidationEntry(long sequence, Kind kind, List<String> urls, List<String> prefixes, List<String> tags,
            List<String> hosts, boolean all, boolean soft, List<String> regions) {
        this(sequence, kind, urls, prefixes, tags, hosts, all, soft, regions, null);
    }

    public InvalidationEntry {
        if (sequence <= 0) {
            throw new IllegalArgumentException("sequence must be > 0, was " + sequence);
        }
        Objects.requireNonNull(kind, "kind");
        urls = urls == null ? List.of() : List.copyOf(urls);
        prefixes = prefixes == null ? List.of() : List.copyOf(prefixes);
        tags = tags == null ? List.of() : List.copyOf(tags);
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        regions = regions == null ? List.of() : List.copyOf(regions);
        if ((kind == Kind.CONFIG) != (config != null)) {
            throw new IllegalArgumentException("a config entry, and only a config entry, carries 'config'");
        }
    }

    /** Whether this entry reaches an edge in {@code region}. */
    public boolean covers(String region) {
        return regions.isEmpty() || regions.contains(region);
    }

    /**
     * {@code purge} removes or marks stale; {@code push} makes the edge fetch and store the URLs; {@code config}
     * changes one delivery service ({@link ServiceChange}).
     */
    public enum Kind {
        @JsonProperty("purge") PURGE,
        @JsonProperty("push") PUSH,
        @JsonProperty("config") CONFIG
    }
}
