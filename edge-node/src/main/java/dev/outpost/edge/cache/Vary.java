package dev.outpost.edge.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Vary handling: the request header names a response varies on, and the normalized values that select a
 * variant. Accept-Encoding is reduced to the one coding the edge would ask the origin for ({@code br}, {@code gzip}
 * or {@code identity}) so the many spellings browsers send share a few variants.
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
            sb.append(name).append('=').append(normalizedValue(name, requestHeaders)).append('\n');
        }
        return sb.toString();
    }

    static String normalizedValue(String name, Fields requestHeaders) {
        if (name.equals("accept-encoding")) {
            return acceptEncoding(requestHeaders.joined("accept-encoding").orElse(""));
        }
        return requestHeaders.joined(name).map(v -> v.trim().replaceAll("\\s+", " ")).orElse("");
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
