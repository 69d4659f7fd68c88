package dev.outpost.control.http;

import java.util.List;

/**
 * Body of {@code POST /api/v1/purges}; every key is optional but at least one target must be named.
 * {@code {"urls":[...],"prefixes":[...],"tags":[...],"hosts":[...],"all":false,"soft":false,"regions":[...],
 * "confirmPurgeAll":false}}; {@code confirmPurgeAll} must be true for a purge that empties a whole host or
 * everything.
 */
record PurgeRequest(List<String> urls, List<String> prefixes, List<String> tags, List<String> hosts, Boolean all,
        Boolean soft, List<String> regions, Boolean confirmPurgeAll) {
    PurgeRequest {
        urls = urls == null ? List.of() : urls;
        prefixes = prefixes == null ? List.of() : prefixes;
        tags = tags == null ? List.of() : tags;
        hosts = hosts == null ? List.of() : hosts;
        all = all != null && all;
        soft = soft != null && soft;
        regions = regions == null ? List.of() : regions;
        confirmPurgeAll = confirmPurgeAll != null && confirmPurgeAll;
    }
}
