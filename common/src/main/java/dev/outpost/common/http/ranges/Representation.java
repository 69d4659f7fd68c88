package dev.outpost.common.http.ranges;

import dev.outpost.common.http.preconditions.Validators;

/**
 * The selected representation as a range decision sees it: its length, its media type (repeated in every part
 * of a multipart answer) and its validators (for If-Range).
 */
public record Representation(long length, String contentType, Validators validators) {
    public Representation {
        if (length < 0) {
            throw new IllegalArgumentException("a representation's length is >= 0, was " + length);
        }
    }
}
