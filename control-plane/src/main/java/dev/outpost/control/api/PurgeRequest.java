package dev.outpost.control.api;

import java.util.List;

/**
 * Body of {@code POST /api/v1/purges}; every key is optional but at least one target must be named.
 * {@code {"urls":[...],"prefixes":[...],"tags":[...],"hosts":[...],"all":false,"soft":false,"regions":[...]}}
 */
record PurgeRequest(List<String> urls, List<String> prefixes, List<String> tags, List<String> hosts, Boolean all,
        Boolean soft, List<String> regions) {
    PurgeRequest {
        urls = urls == null ? List.of() : urls;
        prefixes = prefixes == null ? List.of() : prefixes;
        tags = tags == null ? List.of() : tags;
        hosts = hosts == null ? List.of() : hosts;
        all = all != null && all;
        soft = soft != null && soft;
        regions = regions == null ? List.of() : regions;
    }
}
