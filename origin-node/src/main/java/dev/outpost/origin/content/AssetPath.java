package dev.outpost.origin.content;

import java.util.List;

/**
 * A request path that has passed confinement: decoded once, strictly, into segments that are neither empty, nor
 * {@code .}/{@code ..}, nor hold a slash, backslash, NUL or control character. {@link #relative()} is safe to
 * resolve against the data directory.
 *
 * @param segments the path's segments, in order; empty for the root
 */
public record AssetPath(List<String> segments) {
    public AssetPath {
        segments = List.copyOf(segments);
    }

    /** {@code assets/app.js}: the path relative to the data directory. */
    public String relative() {
        return String.join("/", segments);
    }

    /** {@code /assets/app.js}: the path as clients name it. */
    public String urlPath() {
        return "/" + relative();
    }

    public boolean isRoot() {
        return segments.isEmpty();
    }

    /** True when any segment is a dotfile or dot-directory ({@code .env}, {@code .git/config}): never served. */
    public boolean isHidden() {
        return segments.stream().anyMatch(s -> s.startsWith("."));
    }

    public String fileName() {
        return segments.isEmpty() ? "" : segments.get(segments.size() - 1);
    }

    @Override
    public String toString() {
        return urlPath();
    }
}
