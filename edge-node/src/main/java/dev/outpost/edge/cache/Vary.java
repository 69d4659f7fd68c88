package dev.outpost.edge.cache;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Vary handling: the request header names a response varies on, and the normalized values that select a
 * variant (RFC 9111 §4.1 lets a cache normalize what the field's semantics make equal). Accept-Encoding is reduced
 * to the one coding the edge would ask the origin for ({@code br}, {@code gzip} or {@code identity}) so the many
 * spellings browsers send share a few variants. Accept-Language is compared as a set of ranges with their weights,
 * whatever their order, case and spacing. Any other header is compared as its list of members, whatever the
 * whitespace around them and however many field lines carry them. A stored variant whose Content-Language the
 * request ranks first also answers it ({@link #prefersLanguage}).
 */
public final class Vary {
    private Vary() {
    }

    /** Lower-case names from every Vary line, sorted and without duplicates; {@code *} kept as is. */
    public static List<String> names(Fields responseHeaders) {
        List<String> names = new ArrayList<>();
        for (String line : responseHeaders.all("vary")) {
            for (String part : line.split(",")) {
                String name = part.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !names.contains(name)) {
                    names.add(name);
                }
            }
        }
        names.sort(null);
        return List.copyOf(names);
    }

    /** The variant selector for a request: {@code name=value} lines of the named headers, normalized. */
    public static String variant(List<String> names, Fields requestHeaders) {
        if (names.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String name : names) {
            // An absent header only matches its absence (RFC 9111 §4.1): "name", unlike "name=" for an empty one.
            sb.append(name);
            if (requestHeaders.has(name) || name.equals("accept-encoding")) {
                sb.append('=').append(normalizedValue(name, requestHeaders));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** A variant selector without the line of one header: what {@link #variant} gives for the other names. */
    static String without(String variant, String name) {
        StringBuilder sb = new StringBuilder();
        for (String line : variant.split("\n")) {
            if (!line.isEmpty() && !line.equals(name) && !line.startsWith(name + "=")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    static String normalizedValue(String name, Fields requestHeaders) {
        if (name.equals("accept-encoding")) {
            return acceptEncoding(requestHeaders.joined("accept-encoding").orElse(""));
        }
        Optional<String> value = requestHeaders.joined(name);
        if (value.isEmpty()) {
            return "";
        }
        if (name.equals("accept-language")) {
            return acceptLanguage(value.get());
        }
        StringBuilder members = new StringBuilder();
        for (String member : value.get().split(",", -1)) {
            if (!members.isEmpty()) {
                members.append(',');
            }
            members.append(member.strip());
        }
        return members.toString();
    }

    /** One language range with its weight, lower case. */
    record LanguageRange(String range, double weight) {
    }

    /** The ranges of an Accept-Language, lower case, heaviest first (ties by name); weight-0 ranges dropped. */
    static List<LanguageRange> languageRanges(String acceptLanguage) {
        List<LanguageRange> ranges = new ArrayList<>();
        for (String part : acceptLanguage.toLowerCase(Locale.ROOT).split(",")) {
            String[] pieces = part.split(";");
            String range = pieces[0].strip();
            if (range.isEmpty()) {
                continue;
            }
            double weight = 1;
            for (int i = 1; i < pieces.length; i++) {
                String p = pieces[i].strip();
                if (p.startsWith("q=")) {
                    try {
                        weight = Double.parseDouble(p.substring(2).strip());
                    } catch (NumberFormatException e) {
                        weight = 0; // an unreadable weight is not a preference to serve by
                    }
                }
            }
            if (weight > 0) {
                ranges.add(new LanguageRange(range, Math.min(1, weight)));
            }
        }
        ranges.sort(Comparator.comparingDouble(LanguageRange::weight).reversed()
                .thenComparing(LanguageRange::range));
        return ranges;
    }

    /** Accept-Language as a canonical string: {@code de,en;q=0.5} for {@code EN; q=0.5 , De}. */
    static String acceptLanguage(String value) {
        StringBuilder out = new StringBuilder();
        for (LanguageRange r : languageRanges(value)) {
            if (!out.isEmpty()) {
                out.append(',');
            }
            out.append(r.range());
            if (r.weight() < 1) {
                out.append(";q=").append(r.weight());
            }
        }
        return out.toString();
    }

    /**
     * Whether a response in {@code contentLanguage} is what this request asks for first: it matches (RFC 4647
     * basic filtering: equal, or the range is a prefix ending at a {@code -}, or {@code *}) one of the ranges of
     * the request's highest weight. Only the first choice counts: a lower one could be answered differently by an
     * origin that has the preferred language too.
     */
    public static boolean prefersLanguage(Fields requestHeaders, String contentLanguage) {
        List<LanguageRange> ranges = languageRanges(requestHeaders.joined("accept-language").orElse(""));
        if (ranges.isEmpty()) {
            return false;
        }
        double top = ranges.get(0).weight();
        for (String tag : contentLanguage.toLowerCase(Locale.ROOT).split(",")) {
            String language = tag.strip();
            for (LanguageRange r : ranges) {
                if (r.weight() < top) {
                    break;
                }
                if (!language.isEmpty() && (r.range().equals("*") || language.equals(r.range())
                        || language.startsWith(r.range() + "-"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The coding to ask for: {@code br} if acceptable, else {@code gzip}, else {@code identity}. */
    public static String acceptEncoding(String value) {
        boolean gzip = false;
        for (String part : value.toLowerCase(Locale.ROOT).split(",")) {
            String[] pieces = part.trim().split(";");
            String coding = pieces[0].trim();
            if (isZeroQuality(pieces)) {
                continue;
            }
            if (coding.equals("br")) {
                return "br";
            }
            if (coding.equals("gzip") || coding.equals("x-gzip")) {
                gzip = true;
            }
        }
        return gzip ? "gzip" : "identity";
    }

    private static boolean isZeroQuality(String[] pieces) {
        for (int i = 1; i < pieces.length; i++) {
            String p = pieces[i].trim();
            if (p.startsWith("q=")) {
                try {
                    return Double.parseDouble(p.substring(2)) <= 0;
                } catch (NumberFormatException e) {
                    return true;
                }
            }
        }
        return false;
    }
}
