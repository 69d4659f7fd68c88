package dev.outpost.origin.content;

import java.util.List;
import java.util.Optional;

/** The caching headers one response carries, as chosen by the first matching {@link PathRule}. */
public record ResponsePolicy(Optional<String> cacheControl, List<String> tags) {
    public ResponsePolicy {
        tags = List.copyOf(tags);
    }

    /** The Surrogate-Key header value: tags separated by spaces; empty when there are none. */
    public Optional<String> surrogateKey() {
        return tags.isEmpty() ? Optional.empty() : Optional.of(String.join(" ", tags));
    }
}
