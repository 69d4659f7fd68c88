package dev.outpost.common.http.preconditions;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An entity-tag (RFC 9110 §8.8.3): {@code "opaque"} or {@code W/"opaque"}, with the two comparison functions of
 * §8.8.3.2. Parsed from a client's If-Match, If-None-Match or If-Range, or from a response's ETag.
 *
 * @param weak   whether it carries the {@code W/} prefix
 * @param quoted the opaque tag with its quotes, e.g. {@code "v1"}
 */
public record EntityTag(boolean weak, String quoted) {
    public EntityTag {
        if (quoted.length() < 2 || quoted.charAt(0) != '"' || quoted.charAt(quoted.length() - 1) != '"') {
            throw new IllegalArgumentException("an entity-tag is quoted, was " + quoted);
        }
    }

    /** Strong comparison: both strong and the opaque tags equal, character for character. */
    public boolean strongMatch(EntityTag other) {
        return !weak && !other.weak && quoted.equals(other.quoted);
    }

    /** Weak comparison: the opaque tags equal, whatever the {@code W/} prefixes. */
    public boolean weakMatch(EntityTag other) {
        return quoted.equals(other.quoted);
    }

    /** One entity-tag and nothing else (surrounding whitespace allowed); empty when the value is not one. */
    public static Optional<EntityTag> parse(String value) {
        return parseList(value).filter(tags -> tags.size() == 1).map(tags -> tags.get(0));
    }

    /**
     * Parses {@code 1#entity-tag} (§8.8.3, §5.6.1: empty elements and optional whitespace between them are
     * allowed). A comma may appear inside an opaque tag, so the list is scanned, not split. Empty when the value
     * is not such a list (an unquoted tag, a {@code *} among tags, text after a tag).
     */
    public static Optional<List<EntityTag>> parseList(String value) {
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

    /** The tag as it is written in a field: {@code W/"v1"} or {@code "v1"}. */
    @Override
    public String toString() {
        return weak ? "W/" + quoted : quoted;
    }

    /** etagc: any visible character but DQUOTE, plus obs-text. */
    private static boolean isEtagChar(char c) {
        return c == 0x21 || c >= 0x23 && c <= 0x7e || c >= 0x80 && c <= 0xff;
    }
}
