package dev.outpost.control.invalidation;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.common.wire.ServiceChange;
import java.util.List;
import java.util.Objects;

/**
 * An entry before the log gave it a sequence; already validated by the API. Absent lists read as empty; a
 * {@code config} entry carries its {@link ServiceChange} (absent on purges and pushes).
 */
public record NewEntry(Kind kind, List<String> urls, List<String> prefixes, List<String> tags, List<String> hosts,
        boolean all, boolean soft, List<String> regions, ServiceChange config) {
    public NewEntry(Kind kind, List<String> urls, List<String> prefixes, List<String> tags, List<String> hosts,
            boolean all, boolean soft, List<String> regions) {
        this(kind, urls, prefixes, tags, hosts, all, soft, regions, null);
    }

    public NewEntry {
        Objects.requireNonNull(kind, "kind");
        urls = urls == null ? List.of() : List.copyOf(urls);
        prefixes = prefixes == null ? List.of() : List.copyOf(prefixes);
        tags = tags == null ? List.of() : List.copyOf(tags);
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        regions = regions == null ? List.of() : List.copyOf(regions);
    }

    public static NewEntry purgeUrls(List<String> urls) {
        return new NewEntry(Kind.PURGE, urls, null, null, null, false, false, null);
    }

    /** A configuration change, for every region. */
    public static NewEntry config(ServiceChange change) {
        return new NewEntry(Kind.CONFIG, null, null, null, null, false, false, null, change);
    }

    /** A purge of whole hosts (hard, or soft: revalidate), for every region. */
    public static NewEntry purgeHosts(List<String> hosts, boolean soft) {
        return new NewEntry(Kind.PURGE, null, null, null, hosts, false, soft, null);
    }

    public static NewEntry push(List<String> urls, List<String> regions) {
        return new NewEntry(Kind.PUSH, urls, null, null, null, false, false, regions);
    }

    public NewEntry inRegions(List<String> newRegions) {
        return new NewEntry(kind, urls, prefixes, tags, hosts, all, soft, newRegions, config);
    }

    public InvalidationEntry withSequence(long sequence) {
        return new InvalidationEntry(sequence, kind, urls, prefixes, tags, hosts, all, soft, regions, config);
    }

    public boolean covers(String region) {
        return regions.isEmpty() || regions.contains(region);
    }
}
