package dev.outpost.origin.content;

import java.util.List;
import java.util.Optional;

/**
 * One ordered rule of the origin's config: which paths it matches (a glob such as {@code /assets/**} or
 * {@code **}{@code /*.html}) and the Cache-Control and surrogate keys (tags) their responses carry.
 *
 * @param match        glob over the URL path: {@code *} matches within a segment, {@code **} across segments
 * @param cacheControl Cache-Control value sent with matching responses; absent → none sent
 * @param tags         Surrogate-Key values (space-free tokens) sent with matching responses
 */
public record PathRule(String match, Optional<String> cacheControl, List<String> tags) {
    public PathRule {
        if (match == null || !match.startsWith("/") && !match.startsWith("**")) {
            throw new IllegalArgumentException("rule match must be a glob starting with '/' or '**', was " + match);
        }
        cacheControl = cacheControl == null ? Optional.empty() : cacheControl.filter(v -> !v.isBlank());
        cacheControl.ifPresent(v -> {
            if (v.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("rule '" + match + "': cacheControl holds a control character");
            }
        });
        tags = tags == null ? List.of() : List.copyOf(tags);
        for (String tag : tags) {
            if (tag.isEmpty() || tag.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("rule '" + match + "': tag '" + tag
                        + "' must be a non-empty token without spaces");
            }
        }
    }
}
