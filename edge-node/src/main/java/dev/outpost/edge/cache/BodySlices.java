package dev.outpost.edge.cache;

import dev.outpost.common.http.ranges.ByteRange;
import dev.outpost.common.http.ranges.MultipartByteranges;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The buffers that carry a range answer out of a stored body: views of the body (no copy) and, for a multipart
 * answer, its delimiters and part headers as small new buffers. The layout is common's
 * {@link MultipartByteranges}, the same the origin writes from its files.
 */
public final class BodySlices {
    private BodySlices() {
    }

    /** Bytes {@code range} of {@code body}, a view that leaves {@code body}'s position alone. */
    public static ByteBuffer slice(ByteBuffer body, ByteRange range) {
        return body.slice(body.position() + (int) range.first(), (int) range.length());
    }

    /** The multipart body laid out by {@code layout}, over {@code body}. */
    public static ByteBuffer[] multipart(MultipartByteranges layout, ByteBuffer body) {
        List<ByteBuffer> out = new ArrayList<>(layout.pieces().size());
        for (MultipartByteranges.Piece piece : layout.pieces()) {
            out.add(switch (piece) {
                case MultipartByteranges.Piece.Text text -> ByteBuffer.wrap(text.bytes());
                case MultipartByteranges.Piece.Part part -> slice(body, part.range());
            });
        }
        return out.toArray(ByteBuffer[]::new);
    }
}
