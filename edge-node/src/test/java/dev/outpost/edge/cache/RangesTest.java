package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.cache.Ranges.Partial;
import dev.outpost.edge.cache.Ranges.Span;
import dev.outpost.edge.cache.Ranges.Unsatisfiable;
import dev.outpost.edge.cache.Ranges.Whole;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RangesTest {
    @Test
    void singleAndOpenAndSuffixRanges() {
        assertThat(Ranges.plan("bytes=0-9", 100)).isEqualTo(new Partial(List.of(new Span(0, 9))));
        assertThat(Ranges.plan("bytes=90-", 100)).isEqualTo(new Partial(List.of(new Span(90, 99))));
        assertThat(Ranges.plan("bytes=-5", 100)).isEqualTo(new Partial(List.of(new Span(95, 99))));
        assertThat(Ranges.plan("bytes=95-200", 100)).isEqualTo(new Partial(List.of(new Span(95, 99))));
    }

    @Test
    void rangeBeyondTheEndIsUnsatisfiable() {
        assertThat(Ranges.plan("bytes=100-", 100)).isInstanceOf(Unsatisfiable.class);
    }

    @Test
    void otherUnitsAndGarbageAreIgnored() {
        assertThat(Ranges.plan("items=0-1", 100)).isInstanceOf(Whole.class);
        assertThat(Ranges.plan("bytes=a-b", 100)).isInstanceOf(Whole.class);
        assertThat(Ranges.plan("bytes=9-1", 100)).isInstanceOf(Whole.class);
    }

    @Test
    void overlappingOrTooManyRangesGetTheWholeBody() {
        assertThat(Ranges.plan("bytes=0-50,40-60", 100)).isInstanceOf(Whole.class);
        StringBuilder many = new StringBuilder("bytes=");
        for (int i = 0; i < 17; i++) {
            many.append(i * 2).append('-').append(i * 2).append(',');
        }
        assertThat(Ranges.plan(many.substring(0, many.length() - 1), 100)).isInstanceOf(Whole.class);
    }

    @Test
    void multipartPartsSliceTheStoredBody() {
        ByteBuffer body = ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
        List<ByteBuffer> parts = Ranges.multipart(body, List.of(new Span(0, 1), new Span(8, 9)), "text/plain", "B");
        StringBuilder text = new StringBuilder();
        for (ByteBuffer b : parts) {
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            text.append(new String(bytes, StandardCharsets.UTF_8));
        }
        assertThat(text.toString()).contains("Content-Range: bytes 0-1/10\r\n\r\n01\r\n--B")
                .contains("Content-Range: bytes 8-9/10\r\n\r\n89\r\n--B--");
        assertThat(body.position()).isZero();
    }
}
