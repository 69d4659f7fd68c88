package dev.outpost.common.http.ranges;

import static org.assertj.core.api.Assertions.assertThat;


import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultipartByterangesTest {
    @Test
    void layoutDelimitsEachPartAndClosesTheBody() {
        MultipartByteranges body = MultipartByteranges.of(List.of(new ByteRange(0, 2), new ByteRange(10, 11)),
                "text/plain", 20, "B");
        String rendered = render(body, "abcdefghijklmnopqrst");
        assertThat(rendered).isEqualTo("--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-2/20\r\n\r\nabc"
                + "\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 10-11/20\r\n\r\nkl"
                + "\r\n--B--\r\n");
        assertThat(body.contentType()).isEqualTo("multipart/byteranges; boundary=B");
    }

    @Test
    void lengthIsExactlyWhatIsWritten() {
        MultipartByteranges body = MultipartByteranges.of(List.of(new ByteRange(0, 2), new ByteRange(10, 11)),
                "text/plain", 20, "B");
        assertThat(body.length()).isEqualTo(render(body, "abcdefghijklmnopqrst").getBytes(StandardCharsets.US_ASCII)
                .length);
    }

    @Test
    void boundariesAreFreshAndOfTheLengthTheSizeDecisionAssumes() {
        String boundary = MultipartByteranges.newBoundary();
        assertThat(boundary).hasSize(MultipartByteranges.BOUNDARY_LENGTH).startsWith("outpost-")
                .isNotEqualTo(MultipartByteranges.newBoundary());
        List<ByteRange> parts = List.of(new ByteRange(0, 2), new ByteRange(10, 11));
        assertThat(MultipartByteranges.lengthOf(parts, "text/plain", 20))
                .isEqualTo(MultipartByteranges.of(parts, "text/plain", 20, boundary).length());
    }

    private static String render(MultipartByteranges body, String content) {
        StringBuilder out = new StringBuilder();
        for (MultipartByteranges.Piece piece : body.pieces()) {
            switch (piece) {
                case MultipartByteranges.Piece.Text text ->
                        out.append(new String(text.bytes(), StandardCharsets.US_ASCII));
                case MultipartByteranges.Piece.Part range ->
                        out.append(content, (int) range.range().first(), (int) range.range().last() + 1);
            }
        }
        return out.toString();
    }
}
