package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.json.Json;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.control.invalidation.NewEntry;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Validates purge and push bodies into log entries; every 400 names the field (and index) at fault:
 * {@code empty_purge}, {@code bad_url}, {@code bad_host}, {@code bad_tag}, {@code unknown_region},
 * {@code too_many_urls}, {@code confirmation_required}; an entry bigger than {@code log.maxEntryBytes} is 413
 * {@code entry_too_large}.
 */
final class EntryRequests {
    private final Set<String> regions;
    private final int maxUrlsPerCall;
    private final long maxEntryBytes;

    EntryRequests(Set<String> regions, int maxUrlsPerCall, long maxEntryBytes) {
        this.regions = Set.copyOf(regions);
        this.maxUrlsPerCall = maxUrlsPerCall;
        this.maxEntryBytes = maxEntryBytes;
    }

    /**
     * What a purge empties when it takes a whole host or everything ({@code all}, a host, or a prefix that is a
     * host's root): such a purge needs {@code confirmPurgeAll: true} and a token with scope {@code purge:all}.
     */
    static Optional<String> wholeHost(NewEntry purge) {
        if (purge.all()) {
            return Optional.of("everything (all: true)");
        }
        if (!purge.hosts().isEmpty()) {
            return Optional.of("every object of host '" + purge.hosts().get(0) + "' (hosts[0])");
        }
        for (int i = 0; i < purge.prefixes().size(); i++) {
            URI prefix = URI.create(purge.prefixes().get(i));
            String path = prefix.getRawPath() == null ? "" : prefix.getRawPath();
            if ((path.isEmpty() || path.equals("/")) && prefix.getRawQuery() == null) {
                return Optional.of("every object of host '" + prefix.getHost() + "' (prefixes[" + i + "] is the "
                        + "host's root)");
            }
        }
        return Optional.empty();
    }

    /** Refuses an entry whose lists take more than {@code log.maxEntryBytes} as stored. */
    NewEntry sized(NewEntry entry) {
        long bytes = Json.bytes(entry.urls()).length + Json.bytes(entry.prefixes()).length
                + Json.bytes(entry.tags()).length + Json.bytes(entry.hosts()).length;
        if (bytes > maxEntryBytes) {
            throw new ApiException(413, "entry_too_large", "urls + prefixes + tags + hosts take " + bytes
                    + " bytes as JSON; one purge or push may take at most " + maxEntryBytes + " (log.maxEntryBytes):"
                    + " split it, or purge by prefix or tag");
        }
        return entry;
    }

    NewEntry purge(PurgeRequest request) {
        int items = request.urls().size() + request.prefixes().size() + request.tags().size()
                + request.hosts().size();
        if (items == 0 && !request.all()) {
            throw ApiException.badRequest("empty_purge",
                    "a purge must name urls, prefixes, tags or hosts, or set all: true");
        }
        tooMany(items, "urls + prefixes + tags + hosts");
        request.urls().forEach(indexed("urls", EntryRequests::checkUrl));
        request.prefixes().forEach(indexed("prefixes", EntryRequests::checkUrl));
        request.tags().forEach(indexed("tags", EntryRequests::checkTag));
        List<String> hosts = request.hosts().stream().map(h -> h == null ? null : h.toLowerCase(Locale.ROOT))
                .toList();
        hosts.forEach(indexed("hosts", EntryRequests::checkHost));
        return sized(new NewEntry(Kind.PURGE, request.urls(), request.prefixes(), request.tags(), hosts,
                request.all(), request.soft(), checkRegions(request.regions())));
    }

    NewEntry push(PushRequest request) {
        if (request.urls().isEmpty()) {
            throw ApiException.badRequest("empty_push", "urls: a push must name at least one URL");
        }
        tooMany(request.urls().size(), "urls");
        request.urls().forEach(indexed("urls", EntryRequests::checkUrl));
        return sized(NewEntry.push(request.urls(), checkRegions(request.regions())));
    }

    private void tooMany(int items, String what) {
        if (items > maxUrlsPerCall) {
            throw ApiException.badRequest("too_many_urls", what + " name " + items + " items; at most "
                    + maxUrlsPerCall + " per call");
        }
    }

    private List<String> checkRegions(List<String> requested) {
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < requested.size(); i++) {
            String region = requested.get(i);
            if (region == null || !regions.contains(region)) {
                throw ApiException.badRequest("unknown_region", "regions[" + i + "]: '" + region
                        + "' is not a configured region " + regions.stream().sorted().toList());
            }
            seen.add(region);
        }
        return List.copyOf(seen);
    }

    private interface Check {
        void check(String field, String value);
    }

    private static java.util.function.Consumer<String> indexed(String field, Check check) {
        int[] index = {0};
        return value -> check.check(field + "[" + index[0]++ + "]", value);
    }

    /** An absolute http(s) URL with a host, as edges key their caches. */
    static void checkUrl(String field, String value) {
        try {
            URI uri = new URI(value == null ? "" : value);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw ApiException.badRequest("bad_url", field + ": '" + value
                        + "' is not an absolute http(s) URL with a host");
            }
            if (uri.getRawFragment() != null) {
                throw ApiException.badRequest("bad_url", field + ": '" + value + "' must not have a #fragment");
            }
        } catch (URISyntaxException e) {
            throw ApiException.badRequest("bad_url", field + ": '" + value + "' is not a URL: " + e.getReason());
        }
    }

    private static void checkTag(String field, String value) {
        if (value == null || value.isBlank() || value.length() > 256 || value.chars().anyMatch(c -> c <= ' ')) {
            throw ApiException.badRequest("bad_tag", field + ": '" + value
                    + "' must be 1..256 characters without spaces or control characters");
        }
    }

    private static void checkHost(String field, String value) {
        if (value == null || !value.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
            throw ApiException.badRequest("bad_host", field + ": '" + value + "' is not a host name");
        }
    }
}
