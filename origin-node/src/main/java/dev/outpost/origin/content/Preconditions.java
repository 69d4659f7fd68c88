package dev.outpost.origin.content;

import dev.outpost.common.http.HttpDates;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The conditional headers of a GET or HEAD, and their evaluation against the selected representation's validators
 * in the order RFC 9110 §13.2.2 fixes: If-Match, else If-Unmodified-Since (→ 412 when false); then If-None-Match,
 * else If-Modified-Since (→ 304 when false). If-Range is evaluated apart ({@link #rangeAllowed}), since it only
 * decides whether a Range is honoured.
 *
 * <p>Each header is given as all its field lines (empty when absent). An If-Match or If-None-Match that does not
 * parse matches nothing; an invalid or repeated date is ignored, as §13.1.3–13.1.4 require.
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
    public enum Outcome {
        /** Every condition holds (or none was sent): serve the representation. */
        SERVE,
        /** If-None-Match matched, or nothing changed since If-Modified-Since: 304. */
        NOT_MODIFIED,
        /** If-Match matched nothing, or the representation changed after If-Unmodified-Since: 412. */
        PRECONDITION_FAILED
    }

    /**
     * Evaluates the conditions of a GET or HEAD against a representation.
     *
     * @param etag         the representation's strong ETag, quotes included
     * @param lastModified its Last-Modified, truncated to whole seconds as it is sent
     */
    public Outcome evaluate(String etag, Instant lastModified) {
        if (!ifMatch.isEmpty()) {
            if (!anyMatches(ifMatch, etag, true)) {
                return Outcome.PRECONDITION_FAILED;
            }
        } else {
            Optional<Instant> since = singleDate(ifUnmodifiedSince);
            if (since.isPresent() && lastModified.isAfter(since.get())) {
                return Outcome.PRECONDITION_FAILED;
            }
        }
        if (!ifNoneMatch.isEmpty()) {
            return anyMatches(ifNoneMatch, etag, false) ? Outcome.NOT_MODIFIED : Outcome.SERVE;
        }
        Optional<Instant> since = singleDate(ifModifiedSince);
        if (since.isPresent() && !lastModified.isAfter(since.get())) {
            return Outcome.NOT_MODIFIED;
        }
        return Outcome.SERVE;
    }

    /**
     * Whether a Range may be honoured (RFC 9110 §13.1.5): true without If-Range; with one, true only when its
     * entity-tag strongly matches {@code etag} or its date is exactly {@code lastModified}. A weak or unparsable
     * If-Range is false, so the client gets the whole, current representation.
     */
    public boolean rangeAllowed(String etag, Instant lastModified) {
        if (ifRange.isEmpty()) {
            return true;
        }
        if (ifRange.size() != 1) {
            return false;
        }
        String value = ifRange.get(0).strip();
        if (value.startsWith("\"") || value.startsWith("W/")) {
            Optional<List<EntityTag>> tags = EntityTag.parseList(value);
            return tags.isPresent() && tags.get().size() == 1 && tags.get().get(0).strongMatch(etag);
        }
        return HttpDates.parse(value).filter(lastModified::equals).isPresent();
    }

    private static boolean anyMatches(List<String> fieldLines, String etag, boolean strong) {
        String joined = String.join(",", fieldLines).strip();
        if (joined.equals("*")) {
            return true; // the representation exists, which is all "*" asks
        }
        Optional<List<EntityTag>> tags = EntityTag.parseList(joined);
        return tags.isPresent() && tags.get().stream()
                .anyMatch(tag -> strong ? tag.strongMatch(etag) : tag.weakMatch(etag));
    }

    /** RFC 9110 §13.1.3: a date field with more than one member, or that is not an HTTP-date, is ignored. */
    private static Optional<Instant> singleDate(List<String> fieldLines) {
        return fieldLines.size() == 1 ? HttpDates.parse(fieldLines.get(0)) : Optional.empty();
    }

    /**
     * An entity-tag as sent by a client: {@code "opaque"} or {@code W/"opaque"}.
     *
     * @param weak   whether it carried the {@code W/} prefix
     * @param quoted the opaque tag with its quotes, comparable to the ETag we send
     */
    record EntityTag(boolean weak, String quoted) {
        boolean strongMatch(String etag) {
            return !weak && quoted.equals(etag);
        }

        boolean weakMatch(String etag) {
            return quoted.equals(etag);
        }

        /**
         * Parses {@code 1#entity-tag} (RFC 9110 §8.8.3, §5.6.1: empty elements and optional whitespace between
         * them are allowed). A comma may appear inside an opaque tag, so the list is scanned, not split. Empty when
         * the value is not such a list.
         */
        static Optional<List<EntityTag>> parseList(String value) {
            List<EntityTag> tags = new ArrayList<>();
            int i = 0;
            int n = value.length();
            while (i < n) {
                char c = value.charAt(i);
                if (c == ',' || c == ' ' || c == '\t') {
                    i++;
                    continue;
                }
                boolean weak = value.startsWith("W/", i);
                int open = weak ? i + 2 : i;
                if (open >= n || value.charAt(open) != '"') {
                    return Optional.empty();
                }
                int close = open + 1;
                while (close < n && isEtagChar(value.charAt(close))) {
                    close++;
                }
                if (close >= n || value.charAt(close) != '"') {
                    return Optional.empty();
                }
                tags.add(new EntityTag(weak, value.substring(open, close + 1)));
                i = close + 1;
                // After a tag only whitespace, then a comma or the end, may follow.
                while (i < n && (value.charAt(i) == ' ' || value.charAt(i) == '\t')) {
                    i++;
                }
                if (i < n && value.charAt(i) != ',') {
                    return Optional.empty();
                }
            }
            return tags.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(tags));
        }

        /** etagc: any visible character but DQUOTE, plus obs-text. */
        private static boolean isEtagChar(char c) {
            return c == 0x21 || c >= 0x23 && c <= 0x7e || c >= 0x80 && c <= 0xff;
        }
    }
}
