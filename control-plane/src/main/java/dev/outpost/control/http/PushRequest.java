package dev.outpost.control.http;

import java.util.List;

/** Body of {@code POST /api/v1/pushes}: {@code {"urls":[...],"regions":[...]}}; no regions = every region. */
record PushRequest(List<String> urls, List<String> regions) {
    PushRequest {
        urls = urls == null ? List.of() : urls;
        regions = regions == null ? List.of() : regions;
    }
}
