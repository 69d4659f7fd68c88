package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RawFramingTest {
    /** Feeds {@code raw} in pieces of {@code piece} bytes, as socket reads would give it. */
    private static RawFraming received(String raw, int piece) {
        RawFraming f = new RawFraming();
        f.writing();
        byte[] bytes = raw.getBytes(StandardCharsets.ISO_8859_1);
        for (int off = 0; off < bytes.length; off += piece) {
            f.read(bytes, off, Math.min(piece, bytes.length - off));
        }
        return f;
    }

    @Test
    void theHeadEndsAtTheFirstEmptyLineWhateverTheLineEndsAndReads() {
        for (int piece : new int[] {1, 3, 1000}) {
            RawFraming crlf = received("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", piece);
            assertThat(crlf.headSeen()).isTrue();
            assertThat(crlf.beyond(5)).isZero();
            RawFraming lf = received("HTTP/1.1 200 OK\nContent-Length: 5\n\nhelloEXTRA", piece);
            assertThat(lf.beyond(5)).isEqualTo(5);
        }
    }

    @Test
    void interimHeadsAreSkipped() {
        RawFraming f = received("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                + "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 7);
        assertThat(f.beyond(2)).isZero();
    }

    @Test
    void anUnfinishedHeadIsNotSeen() {
        assertThat(received("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", 100).headSeen()).isFalse();
    }

    @Test
    void aChunkedBodyEndsAfterItsLastChunkAndTrailers() {
        String head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        String body = "5;ext=1\r\nhello\r\na\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";
        for (int piece : new int[] {1, 4, 1000}) {
            assertThat(received(head + body, piece).beyondChunked()).isZero();
            assertThat(received(head + body + "HTTP/1.1 200 OK\r\n", piece).beyondChunked()).isEqualTo(17);
            assertThat(received(head + "5\r\nhel", piece).beyondChunked()).as("not ended yet").isEqualTo(-1);
        }
    }

    @Test
    void aBodyThatIsNotChunkedNeverEndsAsChunked() {
        assertThat(received("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nxyz\r\n0\r\n\r\n", 3).beyondChunked())
                .isEqualTo(-1);
    }

    @Test
    void aNewRequestStartsANewCount() {
        RawFraming f = received("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", 100);
        assertThat(f.beyond(2)).isEqualTo(5);
        f.writing();
        byte[] next = "HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        f.read(next, 0, next.length);
        assertThat(f.beyond(0)).isZero();
    }
}
