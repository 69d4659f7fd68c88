package dev.outpost.common.wire;

import java.util.Objects;
import java.util.Optional;

/**
 * What an origin tells the control plane after an asset changed: {@code {"event":"changed","path":"/a.css",
 * "etag":"\"...\""}}. A deleted asset has no etag.
 */
public record ChangeNotice(Event event, String path, Optional<String> etag) {
    public ChangeNotice {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(path, "path");
        etag = etag == null ? Optional.empty() : etag;
    }

    public static ChangeNotice changed(String path, String etag) {
        return new ChangeNotice(Event.CHANGED, path, Optional.of(etag));
    }

    public static ChangeNotice deleted(String path) {
        return new ChangeNotice(Event.DELETED, path, Optional.empty());
    }

    /** Serialized in lower case: {@code changed}, {@code deleted}. */
    public enum Event {
        @com.fasterxml.jackson.annotation.JsonProperty("changed") CHANGED,
        @com.fasterxml.jackson.annotation.JsonProperty("deleted") DELETED
    }
}
