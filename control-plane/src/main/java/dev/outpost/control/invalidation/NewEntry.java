package dev.outpost.control.invalidation;

import dev.outpost.common.wire.InvalidationEntry;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import java.util.List;
import java.util.Objects;

/** An entry before the log gave it a sequence; already validated by the API. Absent lists read as empty. */
public record NewEntry(Kind kind, List<String> urls, List<String> prefixes, List<String> tags, List<String> hosts,
        boolean all, boolean soft, List<String> regions) {
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

    public static NewEntry push(List<String> urls, List<String> regions) {
        return new NewEntry(Kind.PUSH, urls, null, null, null, false, false, regions);
    }

    public NewEntry inRegions(List<String> newRegions) {
        return new NewEntry(kind, urls, prefixes, tags, hosts, all, soft, newRegions);
    }

    public InvalidationEntry withSequence(long sequence) {
        return new InvalidationEntry(sequence, kind, urls, prefixes, tags, hosts, all, soft, regions);
    }

    public boolean covers(String region) {
        return regions.isEmpty() || regions.contains(region);
    }
}
