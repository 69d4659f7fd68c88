package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.ranges.ByteRange;
import dev.outpost.common.http.ranges.MultipartByteranges;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BodySlicesTest {
    @Test
    void multipartPartsSliceTheStoredBody() {
        ByteBuffer body = ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
        MultipartByteranges layout = MultipartByteranges.of(List.of(new ByteRange(0, 1), new ByteRange(8, 9)),
                "text/plain", 10, "B");
        StringBuilder text = new StringBuilder();
        long sent = 0;
        for (ByteBuffer b : BodySlices.multipart(layout, body)) {
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            sent += bytes.length;
            text.append(new String(bytes, StandardCharsets.UTF_8));
        }
        assertThat(text.toString()).contains("Content-Range: bytes 0-1/10\r\n\r\n01\r\n--B")
                .contains("Content-Range: bytes 8-9/10\r\n\r\n89\r\n--B--");
        assertThat(sent).isEqualTo(layout.length());
        assertThat(body.position()).isZero();
    }

    @Test
    void aSliceIsAViewOfTheRange() {
        ByteBuffer body = ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.UTF_8)).position(2).slice();
        assertThat(StandardCharsets.UTF_8.decode(BodySlices.slice(body, new ByteRange(1, 3))).toString())
                .isEqualTo("345");
    }
}
