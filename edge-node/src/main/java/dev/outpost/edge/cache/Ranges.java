package dev.outpost.edge.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Byte ranges (RFC 9110 §14) served from a whole stored body; pure. An unparsable or non-bytes Range is ignored
 * (whole body); ranges beyond the end give 416; abusive sets (too many, overlapping) get the whole body, as
 * nginx and Varnish do, so a client cannot make the edge write the same bytes many times. (A multipart answer
 * larger than the object itself is also replaced by the whole object, by the response writer.)
 */
public final class Ranges {
    /** More ranges than this in one request is treated as abuse, unless configured ({@code limits.maxRangeParts}). */
    public static final int MAX_RANGES = 16;

    private Ranges() {
    }

    /** One satisfiable range, inclusive ends. */
    public record Span(long first, long last) {
        public long length() {
            return last - first + 1;
        }

        public String contentRange(long total) {
            return "bytes " + first + "-" + last + "/" + total;
        }
    }

    /** What to answer. */
    public sealed interface Plan permits Whole, Partial, Unsatisfiable {
    }

    public record Whole() implements Plan {
    }

    public record Partial(List<Span> spans) implements Plan {
        public Partial {
            spans = List.copyOf(spans);
        }
    }

    public record Unsatisfiable() implements Plan {
    }

    public static Plan plan(String rangeHeader, long length) {
        return plan(rangeHeader, length, MAX_RANGES);
    }

    /** The plan for a Range header on a body of {@code length} bytes, at most {@code maxParts} ranges. */
    public static Plan plan(String rangeHeader, long length, int maxParts) {
        String value = rangeHeader.trim();
        if (!value.regionMatches(true, 0, "bytes=", 0, 6)) {
            return new Whole();
        }
        String[] parts = value.substring(6).split(",");
        if (parts.length > maxParts) {
            return new Whole();
        }
        List<Span> spans = new ArrayList<>();
        for (String raw : parts) {
            String part = raw.trim();
            int dash = part.indexOf('-');
            if (dash < 0) {
                return new Whole();
            }
            try {
                String a = part.substring(0, dash).trim();
                String b = part.substring(dash + 1).trim();
                if (a.isEmpty()) {
                    long suffix = Long.parseLong(b);
                    if (suffix <= 0) {
                        continue;
                    }
                    if (length > 0) {
                        spans.add(new Span(Math.max(0, length - suffix), length - 1));
                    }
                } else {
                    long first = Long.parseLong(a);
                    long last = b.isEmpty() ? length - 1 : Math.min(Long.parseLong(b), length - 1);
                    if (b.isEmpty() ? false : Long.parseLong(b) < first) {
                        return new Whole(); // syntactically invalid range: ignore the header
                    }
                    if (first < length) {
                        spans.add(new Span(first, last));
                    }
                }
            } catch (NumberFormatException e) {
                return new Whole();
            }
        }
        if (spans.isEmpty()) {
            return new Unsatisfiable();
        }
        List<Span> sorted = new ArrayList<>(spans);
        sorted.sort(Comparator.comparingLong(Span::first));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).first() <= sorted.get(i - 1).last()) {
                return new Whole();
            }
        }
        return new Partial(spans);
    }

    /**
     * A multipart/byteranges body as buffers: part headers are small new buffers, part bodies are slices of the
     * stored body (no copy).
     */
    public static List<ByteBuffer> multipart(ByteBuffer body, List<Span> spans, String contentType, String boundary) {
        List<ByteBuffer> out = new ArrayList<>();
        long total = body.remaining();
        for (Span span : spans) {
            String head = "\r\n--" + boundary + "\r\nContent-Type: " + contentType + "\r\nContent-Range: "
                    + span.contentRange(total) + "\r\n\r\n";
            out.add(ByteBuffer.wrap(head.getBytes(StandardCharsets.ISO_8859_1)));
            out.add(slice(body, span));
        }
        out.add(ByteBuffer.wrap(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1)));
        return out;
    }

    public static ByteBuffer slice(ByteBuffer body, Span span) {
        return body.slice(body.position() + (int) span.first(), (int) span.length());
    }

    public static long length(List<ByteBuffer> buffers) {
        long n = 0;
        for (ByteBuffer b : buffers) {
            n += b.remaining();
        }
        return n;
    }
}
