package dev.outpost.common.http.preconditions;

import dev.outpost.common.http.HttpDates;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The conditional headers of a GET or HEAD, and their evaluation against the selected representation's
 * {@link Validators} in the order RFC 9110 §13.2.2 fixes: If-Match, else If-Unmodified-Since (false → 412); then
 * If-None-Match, else If-Modified-Since (false → 304). If-Range is evaluated apart ({@link #ifRangeHolds}), since
 * it only decides whether a Range is honoured. Pure; see docs/architecture.md (Range and conditional requests).
 *
 * <p>Each header is given as all its field lines (empty when absent). An If-Match that does not parse matches
 * nothing (412), an If-None-Match that does not parse matches nothing (served); a date field that is invalid or
 * has more than one line is ignored (§13.1.3, §13.1.4); an If-Range that is repeated, weak or unparsable is false.
 *
 * @param ifMatch           If-Match lines: {@code *} or entity-tags, compared strongly
 * @param ifNoneMatch       If-None-Match lines: {@code *} or entity-tags, compared weakly
 * @param ifModifiedSince   If-Modified-Since lines; only evaluated when If-None-Match is absent
 * @param ifUnmodifiedSince If-Unmodified-Since lines; only evaluated when If-Match is absent
 * @param ifRange           If-Range lines: one strong entity-tag or one HTTP-date
 */
public record Preconditions(List<String> ifMatch, List<String> ifNoneMatch, List<String> ifModifiedSince,
        List<String> ifUnmodifiedSince, List<String> ifRange) {
    public static final Preconditions NONE = new Preconditions(List.of(), List.of(), List.of(), List.of(), List.of());

    public Preconditions {
        ifMatch = List.copyOf(ifMatch);
        ifNoneMatch = List.copyOf(ifNoneMatch);
        ifModifiedSince = List.copyOf(ifModifiedSince);
        ifUnmodifiedSince = List.copyOf(ifUnmodifiedSince);
        ifRange = List.copyOf(ifRange);
    }

    /** What the conditions make of the request. */
    public enum Decision {
        /** Every condition holds (or none applies): answer as if there were none. */
        PROCEED,
        /** If-None-Match matched, or nothing changed since If-Modified-Since: 304. */
        NOT_MODIFIED,
        /** If-Match matched nothing, or the representation changed after If-Unmodified-Since: 412. */
        PRECONDITION_FAILED
    }

    /**
     * The conditions a cache evaluates against a stored response: If-Match and If-Unmodified-Since are not
     * applicable to a cache (RFC 9111 §4.3.2), so a cache drops them; If-None-Match, If-Modified-Since and
     * If-Range stay.
     */
    public Preconditions forCache() {
        return new Preconditions(List.of(), ifNoneMatch, ifModifiedSince, List.of(), ifRange);
    }

    /**
     * Evaluates the conditions of a GET or HEAD against a representation that exists.
     *
     * @param status the status the answer would have without the conditions: anything but 2xx means the
     *               conditions are ignored (RFC 9110 §13.2.1), so a 404 or a 301 is never turned into a 304
     */
    public Decision evaluate(int status, Validators validators) {
        if (status < 200 || status > 299) {
            return Decision.PROCEED;
        }
        if (!ifMatch.isEmpty()) {
            if (!anyMatches(ifMatch, validators.etag(), true)) {
                return Decision.PRECONDITION_FAILED;
            }
        } else {
            Optional<Instant> since = singleDate(ifUnmodifiedSince);
            if (since.isPresent() && validators.lastModified().filter(lm -> lm.isAfter(since.get())).isPresent()) {
                return Decision.PRECONDITION_FAILED;
            }
        }
        if (!ifNoneMatch.isEmpty()) {
            return anyMatches(ifNoneMatch, validators.etag(), false) ? Decision.NOT_MODIFIED : Decision.PROCEED;
        }
        Optional<Instant> since = singleDate(ifModifiedSince);
        if (since.isPresent() && validators.lastModified().filter(lm -> !lm.isAfter(since.get())).isPresent()) {
            return Decision.NOT_MODIFIED;
        }
        return Decision.PROCEED;
    }

    /**
     * Whether a Range may be honoured (RFC 9110 §13.1.5): true without If-Range; with one, true only when its
     * entity-tag strongly matches the representation's or its date is exactly the representation's strong
     * Last-Modified. A weak, repeated or unparsable If-Range is false, so the client gets the whole, current
     * representation rather than a part of another one.
     */
    public boolean ifRangeHolds(Validators validators) {
        if (ifRange.isEmpty()) {
            return true;
        }
        if (ifRange.size() != 1) {
            return false;
        }
        String value = ifRange.get(0).strip();
        if (value.startsWith("\"") || value.startsWith("W/")) {
            Optional<EntityTag> tag = EntityTag.parse(value);
            return tag.isPresent() && validators.etag().filter(tag.get()::strongMatch).isPresent();
        }
        Optional<Instant> date = HttpDates.parse(value);
        return date.isPresent() && validators.strongLastModified().filter(date.get()::equals).isPresent();
    }

    /** {@code *} matches any representation that exists, which is all it asks; else any listed tag must match. */
    private static boolean anyMatches(List<String> fieldLines, Optional<EntityTag> etag, boolean strong) {
        String joined = String.join(",", fieldLines).strip();
        if (joined.equals("*")) {
            return true;
        }
        if (etag.isEmpty()) {
            return false;
        }
        Optional<List<EntityTag>> tags = EntityTag.parseList(joined);
        return tags.isPresent() && tags.get().stream()
                .anyMatch(tag -> strong ? tag.strongMatch(etag.get()) : tag.weakMatch(etag.get()));
    }

    /** RFC 9110 §13.1.3: a date field with more than one member, or that is not an HTTP-date, is ignored. */
    private static Optional<Instant> singleDate(List<String> fieldLines) {
        return fieldLines.size() == 1 ? HttpDates.parse(fieldLines.get(0).strip()) : Optional.empty();
    }
}
