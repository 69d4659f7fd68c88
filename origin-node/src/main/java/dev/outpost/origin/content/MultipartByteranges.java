package dev.outpost.origin.content;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The layout of a {@code multipart/byteranges} body (RFC 9110 §14.6), fixed before any byte is read so its exact
 * Content-Length is known up front: literal delimiter and part headers, interleaved with ranges of the file that
 * the handler copies from disk.
 *
 * @param boundary the delimiter, which must not occur in the content; a random token makes that overwhelmingly likely
 * @param pieces   in order: text, range, text, range, ..., closing text
 */
public record MultipartByteranges(String boundary, List<Piece> pieces) {
    public MultipartByteranges {
        pieces = List.copyOf(pieces);
    }

    /** One stretch of the body. */
    public sealed interface Piece {
        long length();

        /** Bytes written as they are: delimiters and part headers. */
        record Text(byte[] bytes) implements Piece {
            @Override
            public long length() {
                return bytes.length;
            }
        }

        /** A range of the file, copied from disk. */
        record FileRange(ByteRanges.Range range) implements Piece {
            @Override
            public long length() {
                return range.length();
            }
        }
    }

    /**
     * Lays out the parts for {@code ranges} of a representation of {@code completeLength} bytes served as
     * {@code contentType}.
     */
    public static MultipartByteranges of(List<ByteRanges.Range> ranges, String contentType, long completeLength,
            String boundary) {
        List<Piece> pieces = new ArrayList<>();
        String separator = "";
        for (ByteRanges.Range range : ranges) {
            pieces.add(text(separator + "--" + boundary + "\r\n"
                    + "Content-Type: " + contentType + "\r\n"
                    + "Content-Range: " + range.contentRange(completeLength) + "\r\n\r\n"));
            pieces.add(new Piece.FileRange(range));
            separator = "\r\n";
        }
        pieces.add(text("\r\n--" + boundary + "--\r\n"));
        return new MultipartByteranges(boundary, pieces);
    }

    /** The Content-Type of the whole response. */
    public String contentType() {
        return "multipart/byteranges; boundary=" + boundary;
    }

    /** The exact Content-Length of the whole body. */
    public long length() {
        return pieces.stream().mapToLong(Piece::length).sum();
    }

    private static Piece text(String ascii) {
        return new Piece.Text(ascii.getBytes(StandardCharsets.US_ASCII));
    }
}
