package dev.outpost.edge.cache;

import dev.outpost.common.http.CacheControl;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.greenbytes.http.sfv.BooleanItem;
import org.greenbytes.http.sfv.Dictionary;
import org.greenbytes.http.sfv.IntegerItem;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.Parser;
import org.greenbytes.http.sfv.StringItem;

/**
 * {@code CDN-Cache-Control} (RFC 9213) read as what it is, an RFC 8941 Structured Field dictionary; pure. Unlike
 * {@code Cache-Control}, it is parsed strictly: a field that is not a valid dictionary (an unknown token, a space
 * around {@code =}, an upper-case key), or that gives a known directive a value of the wrong type
 * ({@code max-age="60"}, {@code private=1}), is ignored as a whole, and the other fields govern the response.
 * Extension directives are skipped whatever their value. A valid field replaces {@code Cache-Control} and
 * {@code Expires} for this cache entirely, so its {@code private} or {@code no-cache} holds whatever
 * {@code Cache-Control} says.
 */
final class TargetedCacheControl {
    private static final Set<String> DELTA_SECONDS = Set.of("max-age", "s-maxage", "stale-while-revalidate",
            "stale-if-error");
    private static final Set<String> FLAGS = Set.of("no-store", "no-cache", "private", "public", "must-revalidate",
            "proxy-revalidate", "immutable", "no-transform", "must-understand");
    /** Flags that may instead list field names, as a String: {@code no-cache="set-cookie"}. */
    private static final Set<String> QUALIFIED = Set.of("no-cache", "private");

    private TargetedCacheControl() {
    }

    /** The directives of a present and valid field, as Cache-Control would read them; empty otherwise. */
    static Optional<CacheControl> parse(List<String> fieldLines) {
        if (fieldLines.isEmpty()) {
            return Optional.empty();
        }
        Dictionary dictionary;
        try {
            dictionary = new Parser(fieldLines).parseDictionary();
        } catch (IllegalArgumentException invalid) { // the library's ParseException
            return Optional.empty();
        }
        StringBuilder cacheControl = new StringBuilder();
        for (Map.Entry<String, ListElement<?>> member : dictionary.get().entrySet()) {
            String name = member.getKey();
            ListElement<?> value = member.getValue();
            if (DELTA_SECONDS.contains(name)) {
                if (!(value instanceof IntegerItem seconds) || seconds.getAsLong() < 0) {
                    return Optional.empty();
                }
                append(cacheControl, name + "=" + seconds.getAsLong());
            } else if (FLAGS.contains(name)) {
                if (value instanceof BooleanItem flag) {
                    if (flag.get()) {
                        append(cacheControl, name);
                    }
                } else if (QUALIFIED.contains(name) && value instanceof StringItem fields) {
                    append(cacheControl, name + "=\"" + fields.get().replace("\\", "\\\\").replace("\"", "\\\"")
                            + "\"");
                } else {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(CacheControl.parse(cacheControl.toString()));
    }

    private static void append(StringBuilder out, String directive) {
        if (!out.isEmpty()) {
            out.append(", ");
        }
        out.append(directive);
    }
}
