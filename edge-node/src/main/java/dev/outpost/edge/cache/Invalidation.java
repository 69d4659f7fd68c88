package dev.outpost.edge.cache;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Which stored URLs a response to a request invalidates (RFC 9111 §4.4); pure. A non-error answer (2xx, 3xx) to an
 * unsafe method — any method not defined as safe, extension methods included — invalidates the target URI and the
 * URIs its {@code Location} and {@code Content-Location} name, when they belong to the same delivery service (a
 * cache must not let one origin invalidate another's entries). Safe methods (OPTIONS included) never invalidate.
 */
public final class Invalidation {
    /** Methods defined as safe: RFC 9110 §9.2.1, and the WebDAV ones the IANA method registry marks safe. */
    static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "REPORT", "SEARCH");

    private Invalidation() {
    }

    public static boolean invalidates(String method, int status) {
        return !SAFE.contains(method) && status >= 200 && status < 400;
    }

    /**
     * The keys to invalidate after {@code status} answered {@code method} on {@code requestUri} (absolute, as the
     * client named it); {@code sameServiceKey} gives the key of a URI served by the same delivery service.
     */
    public static List<String> keys(String method, int status, String targetKey, URI requestUri,
            Fields responseHeaders, Function<URI, Optional<String>> sameServiceKey) {
        if (!invalidates(method, status)) {
            return List.of();
        }
        List<String> keys = new ArrayList<>(List.of(targetKey));
        for (String field : List.of("location", "content-location")) {
            responseHeaders.first(field).flatMap(value -> resolved(requestUri, value)).flatMap(sameServiceKey)
                    .filter(key -> !keys.contains(key)).ifPresent(keys::add);
        }
        return keys;
    }

    private static Optional<URI> resolved(URI base, String reference) {
        try {
            URI uri = base.resolve(reference.strip());
            return uri.getHost() == null ? Optional.empty() : Optional.of(uri);
        } catch (IllegalArgumentException notAUri) {
            return Optional.empty();
        }
    }
}
