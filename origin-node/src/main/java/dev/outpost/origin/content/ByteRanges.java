package dev.outpost.origin.content;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides what a Range header asks of a representation of a known length (RFC 9110 §14.1–14.2), before any byte is
 * read. Only the {@code bytes} unit is understood; any other unit, or a syntactically invalid header, is ignored
 * (the whole representation is served), as the RFC allows. Abuse is bounded: a header with more than
 * {@code maxParts} ranges is ignored, and overlapping or nearly adjacent ranges are coalesced, so the parts sent
 * never repeat a byte and are always separated by real gaps.
 */
public final class ByteRanges {
    /** Ranges per request above which the Range header is ignored (RFC 9110 §14.2 lets a server ignore it). */
    public static final int DEFAULT_MAX_PARTS = 100;

    /**
     * Ranges closer than this are merged into one part: a gap smaller than the headers of one more multipart part
     * costs less to send than the part does.
     */
    static final long COALESCE_GAP = 80;

    private ByteRanges() {
    }

    /** What to serve. */
    public sealed interface Selection {
        /** No usable Range: serve the whole representation with 200. */
        record Whole() implements Selection {
        }

        /** Serve these ranges (ascending, disjoint, not adjacent) with 206. */
        record Parts(List<Range> ranges) implements Selection {
            public Parts {
                ranges = List.copyOf(ranges);
                if (ranges.isEmpty()) {
                    throw new IllegalArgumentException("a 206 needs at least one range");
                }
            }
        }

        /** Valid, but no range overlaps the representation: 416 with {@code Content-Range: bytes *}{@code /LEN}. */
        record Unsatisfiable() implements Selection {
        }
    }

    /** An inclusive byte range inside the representation. */
    public record Range(long first, long last) {
        public Range {
            if (first < 0 || last < first) {
                throw new IllegalArgumentException("byte range must satisfy 0 <= first <= last, was " + first
                        + "-" + last);
            }
        }

        public long length() {
            return last - first + 1;
        }

        /** The Content-Range value for this range of a representation of {@code completeLength} bytes. */
        public String contentRange(long completeLength) {
            return "bytes " + first + "-" + last + "/" + completeLength;
        }
    }

    /**
     * Evaluates the Range field lines of a GET against a representation of {@code length} bytes.
     *
     * @param fieldLines every Range field line received (none → {@link Selection.Whole})
     * @param length     the representation's length, as checked before serving
     * @param maxParts   most range-specs accepted in one header; more → the header is ignored
     */
    public static Selection select(List<String> fieldLines, long length, int maxParts) {
        if (fieldLines.size() != 1 || length == 0) {
            // Range is not a list field, so two lines are invalid; and an empty representation has no bytes to
            // select (RFC 9110 §14.1.1), so it is served whole rather than answered with a puzzling 416.
            return new Selection.Whole();
        }
        String value = fieldLines.get(0).strip();
        int equals = value.indexOf('=');
        if (equals < 0 || !value.substring(0, equals).toLowerCase(Locale.ROOT).equals("bytes")) {
            return new Selection.Whole();
        }
        List<Range> satisfiable = new ArrayList<>();
        int specs = 0;
        for (String element : value.substring(equals + 1).split(",", -1)) {
            String spec = element.strip();
            if (spec.isEmpty()) {
                continue; // RFC 9110 §5.6.1: empty list elements are tolerated
            }
            if (++specs > maxParts) {
                return new Selection.Whole();
            }
            Optional<Spec> parsed = parseSpec(spec);
            if (parsed.isEmpty()) {
                return new Selection.Whole();
            }
            parsed.get().within(length).ifPresent(satisfiable::add);
        }
        if (specs == 0) {
            return new Selection.Whole();
        }
        if (satisfiable.isEmpty()) {
            return new Selection.Unsatisfiable();
        }
        return new Selection.Parts(coalesce(satisfiable));
    }

    /** Sorts ranges and merges those that overlap or are closer than {@link #COALESCE_GAP}. */
    static List<Range> coalesce(List<Range> ranges) {
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(Range::first));
        List<Range> merged = new ArrayList<>();
        Range current = sorted.get(0);
        for (Range next : sorted.subList(1, sorted.size())) {
            if (next.first() - current.last() - 1 < COALESCE_GAP) {
                current = new Range(current.first(), Math.max(current.last(), next.last()));
            } else {
                merged.add(current);
                current = next;
            }
        }
        merged.add(current);
        return merged;
    }

    /**
     * One range-spec: {@code first-last}, {@code first-} (to the end) or {@code -suffix} (the last bytes); empty
     * when it is none of these, or when last comes before first.
     */
    private static Optional<Spec> parseSpec(String spec) {
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return Optional.empty();
        }
        String before = spec.substring(0, dash);
        String after = spec.substring(dash + 1);
        if (before.isEmpty()) {
            long suffix = digits(after);
            return suffix < 0 ? Optional.empty() : Optional.of(new Spec(Spec.NONE, suffix));
        }
        long first = digits(before);
        long last = after.isEmpty() ? Spec.NONE : digits(after);
        if (first < 0 || !after.isEmpty() && (last < 0 || last < first)) {
            return Optional.empty();
        }
        return Optional.of(new Spec(first, last));
    }

    /** A run of ASCII digits as a number, saturating at Long.MAX_VALUE; -1 when it is not one. */
    private static long digits(String text) {
        if (text.isEmpty()) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            int digit = c - '0';
            value = value > (Long.MAX_VALUE - digit) / 10 ? Long.MAX_VALUE : value * 10 + digit;
        }
        return value;
    }

    /** A parsed range-spec: {@code first == NONE} is a suffix of {@code last} bytes, {@code last == NONE} runs on. */
    private record Spec(long first, long last) {
        static final long NONE = -1;

        /** The bytes this spec selects from a representation of {@code length > 0} bytes; empty when none. */
        Optional<Range> within(long length) {
            if (first == NONE) {
                // "-0" selects nothing; a suffix longer than the representation selects all of it.
                return last == 0 ? Optional.empty() : Optional.of(new Range(Math.max(0, length - last), length - 1));
            }
            if (first >= length) {
                return Optional.empty();
            }
            return Optional.of(new Range(first, last == NONE ? length - 1 : Math.min(last, length - 1)));
        }
    }
}
