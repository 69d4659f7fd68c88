package dev.outpost.common.http.ranges;

import java.util.List;

/** What to answer a request about its Range (RFC 9110 §14.2, §15.3.7, §15.5.17); made by {@link Ranges#decide}. */
public sealed interface RangeDecision {
    /** No Range was sent: the whole representation, 200. */
    record Full() implements RangeDecision {
    }

    /** A Range was sent and is ignored, for the reason given: the whole representation, 200. */
    record Ignored(Reason reason) implements RangeDecision {
    }

    /**
     * These parts, 206: one part as a plain body with Content-Range, several as {@code multipart/byteranges}
     * ({@link MultipartByteranges}). Parts never overlap and are never closer than {@link Ranges#COALESCE_GAP};
     * they come in the order the client asked for them.
     */
    record Partial(List<ByteRange> parts) implements RangeDecision {
        public Partial {
            parts = List.copyOf(parts);
            if (parts.isEmpty()) {
                throw new IllegalArgumentException("a 206 needs at least one part");
            }
        }
    }

    /** No range overlaps the representation: 416 with {@link #contentRange()}. */
    record Unsatisfiable(long completeLength) implements RangeDecision {
        /** {@code bytes *}{@code /LENGTH}, as a 416 must carry (RFC 9110 §14.4). */
        public String contentRange() {
            return "bytes */" + completeLength;
        }
    }

    /** Why a Range is ignored; every one is allowed by RFC 9110 §14.2 ("a server MAY ignore the Range"). */
    enum Reason {
        /** Range handling is defined for GET only; a HEAD describes the whole representation. */
        NOT_GET,
        /** An If-Range that does not name the current representation (§13.1.5). */
        IF_RANGE_FAILED,
        /** An empty representation has no byte a 206 could carry. */
        EMPTY_REPRESENTATION,
        /** More than one Range field line. */
        REPEATED,
        /** A unit other than bytes. */
        OTHER_UNIT,
        /** Not a valid byte range set. */
        INVALID,
        /** More range-specs than the server accepts in one request (a node setting). */
        TOO_MANY_PARTS,
        /** The multipart body would be larger than the whole representation. */
        LARGER_THAN_WHOLE
    }
}
