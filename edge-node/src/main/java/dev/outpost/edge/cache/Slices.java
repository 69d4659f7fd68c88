package dev.outpost.edge.cache;

import java.util.Optional;

/**
 * Slice caching's rules (pure; docs/caching-tiers.md#slices): which answers are sliced, the keys of an object's
 * head and slices, and the byte arithmetic. An object is sliced when it is storable by the ordinary rules but too
 * large to store whole (or of unknown length), and carries a validator that names its bytes exactly; each slice is
 * then stored under the object's key, its validator and its index, so slices of two versions can never be taken
 * for one another, and a purge of the object's key reaches every slice ({@link #belongsTo}).
 *
 * @param sizeBytes      bytes per slice (the last may be shorter)
 * @param minObjectBytes objects up to this many bytes are stored whole, larger ones sliced
 */
public record Slices(boolean enabled, long sizeBytes, long minObjectBytes) {
    /**
     * Separates an object's key from what makes the key of its head or a slice: keys are built from request
     * targets, which cannot hold a space, so no request's key takes this form, and a key prefix (a purge by prefix
     * or host) that matches an object matches its slices too.
     */
    private static final String MARK = " slices";

    /** The key of the sliced object's head: its headers and freshness, the representation's length, no body. */
    public static String headKey(String objectKey) {
        return objectKey + MARK;
    }

    /** The key of slice {@code index} of the object's representation named by {@code validator}. */
    public static String sliceKey(String objectKey, String validator, long index) {
        return objectKey + MARK + " " + index + " " + validator;
    }

    /** Whether {@code key} is the head or a slice of the object keyed {@code objectKey}. */
    public static boolean belongsTo(String key, String objectKey) {
        return key.length() > objectKey.length() && key.startsWith(objectKey) && key.startsWith(MARK,
                objectKey.length());
    }

    /** The object key a head or slice key belongs to; the key itself for any other. */
    public static String objectKeyOf(String key) {
        int mark = key.indexOf(MARK);
        return mark < 0 ? key : key.substring(0, mark);
    }

    /**
     * The validator that names the representation's bytes: a strong ETag, else Last-Modified unless a weak ETag
     * says the bytes may differ between answers (on-the-fly compression); empty: the object is not sliced.
     */
    public static Optional<String> validator(Fields headers) {
        Optional<String> etag = headers.first("etag").map(String::strip);
        if (etag.isPresent()) {
            return etag.filter(e -> e.startsWith("\"") && e.endsWith("\"") && e.length() >= 2);
        }
        return headers.first("last-modified").map(String::strip).filter(v -> !v.isEmpty());
    }

    /** Whether the validator is an entity tag (then slice fetches also carry {@code If-Match}). */
    public static boolean isEntityTag(String validator) {
        return validator.startsWith("\"");
    }

    /**
     * Whether a whole answer (200) to a fetch for the cache is fetched again in slices instead of being streamed
     * through: slicing is on, the answer may be stored by the ordinary rules, it is larger than
     * {@code minObjectBytes} or of unknown length, and it has a {@link #validator}.
     *
     * @param contentLength its Content-Length, -1 for none
     */
    public boolean slices(int status, Fields headers, long contentLength, boolean storable) {
        return enabled && status == 200 && storable && (contentLength < 0 || contentLength > minObjectBytes)
                && validator(headers).isPresent() && !headers.has("content-range");
    }

    /** Whether a 206 to a client's range, of a representation {@code total} bytes long, is better sliced. */
    public boolean slicesPiece(Fields headers, long total, boolean storable) {
        return enabled && storable && total > minObjectBytes && validator(headers).isPresent();
    }

    /** How many slices a representation of {@code total} bytes has. */
    public long count(long total) {
        return (total + sizeBytes - 1) / sizeBytes;
    }

    /** The slice holding byte {@code offset}. */
    public long indexOf(long offset) {
        return offset / sizeBytes;
    }

    /** The first byte of slice {@code index}. */
    public long first(long index) {
        return index * sizeBytes;
    }

    /** The last byte of slice {@code index} of a representation of {@code total} bytes. */
    public long last(long index, long total) {
        return Math.min(total, (index + 1) * sizeBytes) - 1;
    }

    /** The {@code Range} value asking for slice {@code index}; for the first, before the length is known too. */
    public String range(long index, long total) {
        return "bytes=" + first(index) + "-" + (total < 0 ? first(index) + sizeBytes - 1 : last(index, total));
    }
}
