package dev.outpost.common.http.ranges;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The layout of a {@code multipart/byteranges} body (RFC 9110 §14.6), fixed before any byte is sent so its exact
 * Content-Length is known up front: literal delimiters and part headers, interleaved with ranges of the
 * representation that the node copies (the origin from its file, the edge from its stored buffer).
 *
 * @param boundary the delimiter, which must not occur in the content: a random token from a secure generator, so
 *                 content cannot be made to contain it
 * @param pieces   in order: text, range, text, range, ..., closing text
 */
public record MultipartByteranges(String boundary, List<Piece> pieces) {
    /** Length of every boundary {@link #newBoundary()} makes: {@code outpost-} and 24 hex digits. */
    static final int BOUNDARY_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

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

        /** A range of the representation. */
        record Part(ByteRange range) implements Piece {
            @Override
            public long length() {
                return range.length();
            }
        }
    }

    /**
     * Lays out {@code parts} of a representation of {@code completeLength} bytes served as {@code contentType}.
     * The body starts with the first delimiter (no preamble) and ends with the closing one.
     */
    public static MultipartByteranges of(List<ByteRange> parts, String contentType, long completeLength,
            String boundary) {
        List<Piece> pieces = new ArrayList<>();
        String separator = "";
        for (ByteRange range : parts) {
            pieces.add(text(separator + "--" + boundary + "\r\n"
                    + "Content-Type: " + contentType + "\r\n"
                    + "Content-Range: " + range.contentRange(completeLength) + "\r\n\r\n"));
            pieces.add(new Piece.Part(range));
            separator = "\r\n";
        }
        pieces.add(text("\r\n--" + boundary + "--\r\n"));
        return new MultipartByteranges(boundary, pieces);
    }

    /** The exact body length of {@link #of} with any boundary from {@link #newBoundary()}. */
    static long lengthOf(List<ByteRange> parts, String contentType, long completeLength) {
        return of(parts, contentType, completeLength, "b".repeat(BOUNDARY_LENGTH)).length();
    }

    /** A fresh, unpredictable boundary. */
    public static String newBoundary() {
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        return "outpost-" + HexFormat.of().formatHex(random);
    }

    /** The Content-Type of the whole response. */
    public String contentType() {
        return "multipart/byteranges; boundary=" + boundary;
    }

    /** The exact Content-Length of the whole body. */
    public long length() {
        return pieces.stream().mapToLong(Piece::length).sum();
    }

    /** Field values are octets: ISO-8859-1 keeps each char of a (validated) field value as one byte. */
    private static Piece text(String fieldText) {
        return new Piece.Text(fieldText.getBytes(StandardCharsets.ISO_8859_1));
    }
}
