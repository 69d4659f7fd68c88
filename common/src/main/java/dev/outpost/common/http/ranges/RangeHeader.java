package dev.outpost.common.http.ranges;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A request's Range header as a value (RFC 9110 §14.1.1, §14.2), parsed but not yet held against a
 * representation: absent, unreadable (why), or a list of byte range-specs. Only the {@code bytes} unit is
 * understood. The grammar is kept strictly inside a range-spec (digits only, no sign, no inner whitespace) and
 * leniently around them (case of the unit, whitespace and empty elements between specs, §5.6.1).
 */
public sealed interface RangeHeader {
    /** No Range field. */
    record Absent() implements RangeHeader {
    }

    /** A Range field that is ignored before it meets a representation. */
    record Unreadable(Why why) implements RangeHeader {
    }

    /** {@code bytes=} and at least one range-spec, in the order they were sent. */
    record Specs(List<RangeSpec> specs) implements RangeHeader {
        public Specs {
            specs = List.copyOf(specs);
            if (specs.isEmpty()) {
                throw new IllegalArgumentException("a byte range set has at least one range-spec");
            }
        }
    }

    /** Why a Range field is unreadable. */
    enum Why {
        /** More than one Range field line: Range is not a list field, so the request is ambiguous. */
        REPEATED,
        /** A unit other than {@code bytes}. */
        OTHER_UNIT,
        /** Not {@code bytes=} followed by a valid range set. */
        INVALID
    }

    /** One byte range-spec: {@code first-last}, {@code first-} (to the end) or {@code -suffix} (the last bytes). */
    sealed interface RangeSpec {
        /** The bytes this spec selects from a representation of {@code length > 0} bytes; empty when none. */
        Optional<ByteRange> within(long length);

        record Closed(long first, long last) implements RangeSpec {
            @Override
            public Optional<ByteRange> within(long length) {
                return first >= length ? Optional.empty()
                        : Optional.of(new ByteRange(first, Math.min(last, length - 1)));
            }
        }

        record From(long first) implements RangeSpec {
            @Override
            public Optional<ByteRange> within(long length) {
                return first >= length ? Optional.empty() : Optional.of(new ByteRange(first, length - 1));
            }
        }

        /** The last {@code length} bytes; {@code -0} selects nothing, a suffix past the start selects all. */
        record Suffix(long suffix) implements RangeSpec {
            @Override
            public Optional<ByteRange> within(long length) {
                return suffix == 0 ? Optional.empty() : Optional.of(new ByteRange(Math.max(0, length - suffix),
                        length - 1));
            }
        }
    }

    /** Parses every Range field line received (none → {@link Absent}). */
    static RangeHeader parse(List<String> fieldLines) {
        if (fieldLines.isEmpty()) {
            return new Absent();
        }
        if (fieldLines.size() != 1) {
            return new Unreadable(Why.REPEATED);
        }
        String value = fieldLines.get(0).strip();
        int equals = value.indexOf('=');
        if (equals < 0) {
            return new Unreadable(Why.INVALID);
        }
        if (!value.substring(0, equals).toLowerCase(Locale.ROOT).equals("bytes")) {
            return new Unreadable(value.substring(0, equals).isBlank() ? Why.INVALID : Why.OTHER_UNIT);
        }
        List<RangeSpec> specs = new ArrayList<>();
        for (String element : value.substring(equals + 1).split(",", -1)) {
            String spec = element.strip();
            if (spec.isEmpty()) {
                continue; // empty list elements are tolerated
            }
            Optional<RangeSpec> parsed = parseSpec(spec);
            if (parsed.isEmpty()) {
                return new Unreadable(Why.INVALID);
            }
            specs.add(parsed.get());
        }
        return specs.isEmpty() ? new Unreadable(Why.INVALID) : new Specs(specs);
    }

    /** Empty when {@code spec} is none of the three forms, or when last comes before first. */
    private static Optional<RangeSpec> parseSpec(String spec) {
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return Optional.empty();
        }
        String before = spec.substring(0, dash);
        String after = spec.substring(dash + 1);
        if (before.isEmpty()) {
            long suffix = digits(after);
            return suffix < 0 ? Optional.empty() : Optional.of(new RangeSpec.Suffix(suffix));
        }
        long first = digits(before);
        if (first < 0) {
            return Optional.empty();
        }
        if (after.isEmpty()) {
            return Optional.of(new RangeSpec.From(first));
        }
        long last = digits(after);
        return last < first ? Optional.empty() : Optional.of(new RangeSpec.Closed(first, last));
    }

    /**
     * A run of ASCII digits as a number, saturating at Long.MAX_VALUE (a huge last-pos just means "to the end");
     * -1 when it is not one.
     */
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
}
