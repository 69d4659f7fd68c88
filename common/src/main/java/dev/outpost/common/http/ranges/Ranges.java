package dev.outpost.common.http.ranges;

import dev.outpost.common.http.preconditions.Preconditions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The one range policy of origin and edge (RFC 9110 §14): decides, before any byte is read, what a request's
 * Range makes of a representation. Pure; the nodes only carry the decision out (the origin from a file, the edge
 * from a stored buffer). The policy, in order:
 * <ol>
 * <li>no Range → {@link RangeDecision.Full}; a method other than GET, a failed If-Range, an empty
 *     representation, a repeated, foreign-unit or invalid Range, or more range-specs than {@code maxParts} →
 *     {@link RangeDecision.Ignored} (the whole representation);</li>
 * <li>no spec overlaps the representation → {@link RangeDecision.Unsatisfiable} (416, {@code bytes *}/len);
 *     specs that do not overlap are dropped when others do;</li>
 * <li>overlapping ranges, and ranges less than {@link #COALESCE_GAP} bytes apart, are merged, so no byte is sent
 *     twice (the defence against {@code bytes=0-,0-,0-...}); parts keep the order the client asked for them in
 *     (§15.3.7.2);</li>
 * <li>several parts whose multipart body would be larger than the whole representation → ignored.</li>
 * </ol>
 */
public final class Ranges {
    /**
     * Ranges closer than this are merged into one part: a gap smaller than the headers of one more multipart part
     * costs less to send than the part does (§15.3.7.2 names about 80 bytes).
     */
    public static final long COALESCE_GAP = 80;

    private Ranges() {
    }

    /**
     * Decides what to answer.
     *
     * @param method     the request method
     * @param rangeLines every Range field line received
     * @param conditions the request's conditions (only If-Range counts here)
     * @param maxParts   most range-specs accepted in one Range; more → ignored
     */
    public static RangeDecision decide(String method, List<String> rangeLines, Preconditions conditions,
            Representation representation, int maxParts) {
        if (maxParts < 1) {
            throw new IllegalArgumentException("maxParts must be >= 1, was " + maxParts);
        }
        if (rangeLines.isEmpty()) {
            return new RangeDecision.Full();
        }
        if (!method.equals("GET")) {
            return new RangeDecision.Ignored(RangeDecision.Reason.NOT_GET);
        }
        if (!conditions.ifRangeHolds(representation.validators())) {
            return new RangeDecision.Ignored(RangeDecision.Reason.IF_RANGE_FAILED);
        }
        long length = representation.length();
        if (length == 0) {
            // No 206 can describe a part of nothing (Content-Range needs first <= last < length): serve it whole
            // rather than answer a puzzling 416.
            return new RangeDecision.Ignored(RangeDecision.Reason.EMPTY_REPRESENTATION);
        }
        List<RangeHeader.RangeSpec> specs;
        switch (RangeHeader.parse(rangeLines)) {
            case RangeHeader.Absent absent -> {
                return new RangeDecision.Full();
            }
            case RangeHeader.Unreadable unreadable -> {
                return new RangeDecision.Ignored(switch (unreadable.why()) {
                    case REPEATED -> RangeDecision.Reason.REPEATED;
                    case OTHER_UNIT -> RangeDecision.Reason.OTHER_UNIT;
                    case INVALID -> RangeDecision.Reason.INVALID;
                });
            }
            case RangeHeader.Specs s -> specs = s.specs();
        }
        if (specs.size() > maxParts) {
            return new RangeDecision.Ignored(RangeDecision.Reason.TOO_MANY_PARTS);
        }
        List<ByteRange> satisfiable = new ArrayList<>();
        for (RangeHeader.RangeSpec spec : specs) {
            spec.within(length).ifPresent(satisfiable::add);
        }
        if (satisfiable.isEmpty()) {
            return new RangeDecision.Unsatisfiable(length);
        }
        List<ByteRange> parts = coalesce(satisfiable);
        if (parts.size() > 1 && MultipartByteranges.lengthOf(parts, representation.contentType(), length) > length) {
            // Many small ranges would cost more in part headers than the representation itself: the whole is the
            // cheaper answer, and it bounds what any Range can make a server send.
            return new RangeDecision.Ignored(RangeDecision.Reason.LARGER_THAN_WHOLE);
        }
        return new RangeDecision.Partial(parts);
    }

    /**
     * Merges ranges that overlap or are closer than {@link #COALESCE_GAP}; the merged parts keep the order of
     * the earliest-asked range in each.
     */
    static List<ByteRange> coalesce(List<ByteRange> asked) {
        List<Integer> byFirst = new ArrayList<>();
        for (int i = 0; i < asked.size(); i++) {
            byFirst.add(i);
        }
        byFirst.sort(Comparator.comparingLong(i -> asked.get(i).first()));
        record Merged(ByteRange range, int askedAt) {
        }
        List<Merged> merged = new ArrayList<>();
        Merged current = new Merged(asked.get(byFirst.get(0)), byFirst.get(0));
        for (int i : byFirst.subList(1, byFirst.size())) {
            ByteRange next = asked.get(i);
            if (next.first() - current.range().last() - 1 < COALESCE_GAP) {
                current = new Merged(new ByteRange(current.range().first(),
                        Math.max(current.range().last(), next.last())), Math.min(current.askedAt(), i));
            } else {
                merged.add(current);
                current = new Merged(next, i);
            }
        }
        merged.add(current);
        merged.sort(Comparator.comparingInt(Merged::askedAt));
        return merged.stream().map(Merged::range).toList();
    }
}
