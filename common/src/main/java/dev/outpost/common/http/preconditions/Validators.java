package dev.outpost.common.http.preconditions;

import java.time.Instant;
import java.util.Optional;

/**
 * What a server knows of the selected representation's validators when it evaluates a conditional request.
 * The two dates differ only at a cache: it compares If-Modified-Since with the stored Last-Modified, else the
 * stored Date, else when the response arrived (RFC 9111 §4.3.2), but honours an If-Range date only against a
 * Last-Modified that is a strong validator (RFC 9110 §8.8.2.2, §13.1.5).
 *
 * @param etag               the representation's entity-tag, when it has one
 * @param lastModified       the date If-Modified-Since and If-Unmodified-Since are compared with, when known
 * @param strongLastModified the Last-Modified an If-Range date must equal; empty when it is not a strong validator
 */
public record Validators(Optional<EntityTag> etag, Optional<Instant> lastModified,
        Optional<Instant> strongLastModified) {
    public static final Validators NONE = new Validators(Optional.empty(), Optional.empty(), Optional.empty());

    /**
     * An origin's current validators: its own strong ETag (quotes included) and Last-Modified, which it knows
     * to be the representation's (RFC 9110 §8.8.2.2, first case).
     */
    public static Validators current(String etag, Instant lastModified) {
        EntityTag tag = EntityTag.parse(etag)
                .orElseThrow(() -> new IllegalArgumentException("not an entity-tag: " + etag));
        return new Validators(Optional.of(tag), Optional.of(lastModified), Optional.of(lastModified));
    }
}
