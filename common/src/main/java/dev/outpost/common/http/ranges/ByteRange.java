package dev.outpost.common.http.ranges;

/** An inclusive range of bytes inside a representation: {@code first} to {@code last}, both counted from 0. */
public record ByteRange(long first, long last) {
    public ByteRange {
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("byte range must satisfy 0 <= first <= last, was " + first + "-"
                    + last);
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
