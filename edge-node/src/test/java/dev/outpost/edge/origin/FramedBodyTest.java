package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FramedBodyTest {
    private static String text(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Test
    void aBodyThatEndsWithinTheLimitIsReadWholeIntoDirectMemoryOfItsSize() throws IOException {
        String body = "x".repeat(200_000);
        FramedBody.Result r = FramedBody.read(new ByteArrayInputStream(body.getBytes(StandardCharsets.ISO_8859_1)),
                200_000);
        assertThat(r).isInstanceOf(FramedBody.Complete.class);
        assertThat(r.read().isDirect()).isTrue();
        assertThat(r.read().capacity()).isEqualTo(200_000);
        assertThat(text(r.read())).isEqualTo(body);
    }

    @Test
    void aBodyLongerThanTheLimitIsHandedBackWithWhatWasRead() throws IOException {
        FramedBody.Result r = FramedBody.read(new ByteArrayInputStream("0123456789".getBytes(StandardCharsets.US_ASCII)),
                4);
        assertThat(r).isInstanceOf(FramedBody.TooLarge.class);
        assertThat(text(r.read())).isEqualTo("01234"); // one byte past the limit proves it is too large
    }

    @Test
    void aBodyCutShortIsAnError() {
        InputStream cut = new InputStream() {
            private int left = 3;

            @Override
            public int read() throws IOException {
                if (left-- > 0) {
                    return 'a';
                }
                throw new IOException("unexpected end of stream");
            }
        };
        assertThatThrownBy(() -> FramedBody.read(cut, 100)).isInstanceOf(IOException.class);
    }
}
