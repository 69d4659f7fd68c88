package dev.outpost.edge.cache;

import dev.outpost.common.http.ranges.ByteRange;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bytes an edge holds of a representation it received in parts (206 answers): its complete length and the
 * sorted, disjoint pieces held, each a read-only buffer; {@link #NONE} for a whole object. Pieces that touch or
 * overlap are merged, so a later slice-caching tier can keep adding them, and a representation whose pieces come
 * to cover it is then stored whole. Immutable.
 *
 * @param total  the representation's length, from Content-Range; -1 for {@link #NONE}
 * @param pieces held byte spans, sorted by first byte, never touching
 */
public record Partial(long total, List<Piece> pieces) {
    public static final Partial NONE = new Partial(-1, List.of());
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d{1,18})-(\\d{1,18})/(\\d{1,18})",
            Pattern.CASE_INSENSITIVE);

    public Partial {
        pieces = List.copyOf(pieces);
    }

    /** One held span: bytes {@code first} to {@code first + bytes.remaining() - 1}. */
    public record Piece(long first, ByteBuffer bytes) {
        public Piece {
            bytes = bytes.asReadOnlyBuffer();
        }

        public long last() {
            return first + bytes.remaining() - 1;
        }

        /** A view of bytes {@code from..to} (absolute positions, inside this piece). */
        public ByteBuffer slice(long from, long to) {
            return bytes.slice(bytes.position() + (int) (from - first), (int) (to - from + 1));
        }
    }

    /** A 206's single {@code Content-Range: bytes first-last/total}; unknown totals and odd forms are not one. */
    public record ContentRange(long first, long last, long total) {
        public static Optional<ContentRange> parse(String value) {
            Matcher m = CONTENT_RANGE.matcher(value == null ? "" : value.strip());
            if (!m.matches()) {
                return Optional.empty();
            }
            long first = Long.parseLong(m.group(1));
            long last = Long.parseLong(m.group(2));
            long total = Long.parseLong(m.group(3));
            return first <= last && last < total ? Optional.of(new ContentRange(first, last, total)) : Optional.empty();
        }

        public long length() {
            return last - first + 1;
        }
    }

    public static Partial of(ContentRange range, ByteBuffer bytes) {
        return new Partial(range.total(), List.of(new Piece(range.first(), bytes)));
    }

    public boolean isPartial() {
        return total >= 0;
    }

    /** Bytes held. */
    public long held() {
        long n = 0;
        for (Piece p : pieces) {
            n += p.bytes().remaining();
        }
        return n;
    }

    /** The piece holding bytes {@code first..last}, if one does. */
    public Optional<Piece> covering(long first, long last) {
        for (Piece p : pieces) {
            if (p.first() <= first && last <= p.last()) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Every byte is held (in one piece, pieces being merged). */
    public boolean complete() {
        return pieces.size() == 1 && pieces.get(0).first() == 0 && pieces.get(0).last() == total - 1;
    }

    /** The one missing span, when exactly one is missing; empty when several are, or none. */
    public Optional<ByteRange> onlyGap() {
        List<ByteRange> gaps = new ArrayList<>();
        long next = 0;
        for (Piece p : pieces) {
            if (p.first() > next) {
                gaps.add(new ByteRange(next, p.first() - 1));
            }
            next = p.last() + 1;
        }
        if (next < total) {
            gaps.add(new ByteRange(next, total - 1));
        }
        return gaps.size() == 1 ? Optional.of(gaps.get(0)) : Optional.empty();
    }

    /** These pieces and {@code more} (of the same representation), merged where they touch or overlap. */
    public Partial with(Partial more) {
        List<Piece> all = new ArrayList<>(pieces);
        all.addAll(more.pieces());
        all.sort((a, b) -> Long.compare(a.first(), b.first()));
        List<Piece> merged = new ArrayList<>();
        for (Piece p : all) {
            Piece last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && p.first() <= last.last() + 1) {
                if (p.last() > last.last()) {
                    merged.set(merged.size() - 1, joined(last, p));
                }
            } else {
                merged.add(p);
            }
        }
        return new Partial(total, merged);
    }

    /** {@code a} followed by the part of {@code b} past it, in one new direct buffer. */
    private static Piece joined(Piece a, Piece b) {
        ByteBuffer out = ByteBuffer.allocateDirect((int) (b.last() - a.first() + 1));
        out.put(a.bytes().duplicate());
        out.put(b.slice(a.last() + 1, b.last()));
        return new Piece(a.first(), out.flip());
    }
}
