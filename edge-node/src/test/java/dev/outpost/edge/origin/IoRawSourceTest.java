package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.ReadReadyHandler;
import org.xnio.conduits.StreamSourceConduit;

/**
 * What the IO thread's client refuses in an answer's raw head that Undertow's parser would hide: obs-fold and a
 * lone CR; the scan follows the stream byte by byte, however the reads cut it, and stops at the final head's end.
 * (The whole path, from a real origin: SafeDefaultsIT run with origin.fetchOnIoThread on.)
 */
class IoRawSourceTest {
    private static final String FOLD = "obs-fold: a header line continued on the next (RFC 9112 §5.2)";

    /** The check's verdict on {@code stream}, read through it in reads of at most {@code readSize} bytes. */
    private static String refused(String stream, int readSize) throws IOException {
        IoRawSource lines = new IoRawSource(new Socket(stream.getBytes(StandardCharsets.ISO_8859_1), readSize));
        lines.expectHead();
        ByteBuffer read = ByteBuffer.allocateDirect(readSize + 3);
        do {
            read.clear().position(3); // a read lands mid-buffer
        } while (lines.read(read) > 0);
        return lines.refused();
    }

    private static void assertEveryCut(String stream, String expected) throws IOException {
        for (int readSize = 1; readSize <= stream.length(); readSize++) {
            assertThat(refused(stream, readSize)).as("reads of " + readSize).isEqualTo(expected);
        }
    }

    @Test
    void anOrdinaryHeadPasses() throws IOException {
        assertEveryCut("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: a b\t c\r\n\r\nabc", null);
        assertEveryCut("HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", null);
    }

    @Test
    void aFoldedHeaderLineIsRefused() throws IOException {
        assertEveryCut("HTTP/1.1 200 OK\r\nX-Fold: a\r\n b\r\nContent-Length: 0\r\n\r\n", FOLD);
        assertEveryCut("HTTP/1.1 200 OK\r\nX-Fold: a\r\n\tb\r\n\r\n", FOLD);
        assertEveryCut("HTTP/1.1 200 OK\nX-Fold: a\n b\n\n", FOLD);
    }

    @Test
    void whitespaceBeforeTheFirstHeaderLineIsRefused() throws IOException {
        assertEveryCut("HTTP/1.1 200 OK\r\n X: a\r\n\r\n", FOLD);
    }

    @Test
    void aLoneCrIsRefused() throws IOException {
        assertEveryCut("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "a CR not followed by LF in the head");
        assertEveryCut("HTTP/1.1 200 OK\r\nX: a\r\n\rb\r\n", "a CR not followed by LF in the head");
    }

    @Test
    void theBodyIsNotLookedAt() throws IOException {
        assertEveryCut("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nline\n indent\r", null);
    }

    @Test
    void aFoldInTheFinalHeadAfterAnInterimOneIsRefused() throws IOException {
        assertEveryCut("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", FOLD);
        assertEveryCut("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", FOLD);
    }

    @Test
    void aFoldInAnInterimHeadIsSkippedWithIt() throws IOException {
        assertEveryCut("HTTP/1.1 103 Early Hints\r\nLink: </a>,\r\n </b>\r\n\r\nHTTP/1.1 200 OK\r\nX: a\r\n\r\n"
                + " body", null);
    }

    @Test
    void aSwitchingProtocolsHeadIsFinal() throws IOException {
        assertEveryCut("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n frames", null);
    }

    @Test
    void eachAnswerIsLookedAtAfresh() throws IOException {
        byte[] two = "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\nHTTP/1.1 200 OK\r\nX: a\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        IoRawSource lines = new IoRawSource(new Socket(two, 29)); // a read per head
        lines.expectHead();
        lines.read(ByteBuffer.allocate(29));
        assertThat(lines.refused()).isEqualTo(FOLD);
        lines.expectHead();
        lines.read(ByteBuffer.allocate(100));
        assertThat(lines.refused()).isNull();
    }

    /** What a socket gives: {@code bytes}, at most {@code readSize} a read, then its end. */
    private static final class Socket implements StreamSourceConduit {
        private final ByteBuffer bytes;
        private final int readSize;

        Socket(byte[] bytes, int readSize) {
            this.bytes = ByteBuffer.wrap(bytes);
            this.readSize = readSize;
        }

        @Override
        public int read(ByteBuffer into) {
            if (!bytes.hasRemaining()) {
                return -1;
            }
            int n = Math.min(Math.min(readSize, into.remaining()), bytes.remaining());
            into.put(into.position(), bytes, bytes.position(), n).position(into.position() + n);
            bytes.position(bytes.position() + n);
            return n;
        }

        @Override
        public long read(ByteBuffer[] into, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferTo(long position, long count, FileChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferTo(long count, ByteBuffer throughBuffer, StreamSinkChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void terminateReads() {
        }

        @Override
        public boolean isReadShutdown() {
            return false;
        }

        @Override
        public void resumeReads() {
        }

        @Override
        public void suspendReads() {
        }

        @Override
        public void wakeupReads() {
        }

        @Override
        public boolean isReadResumed() {
            return false;
        }

        @Override
        public void awaitReadable() {
        }

        @Override
        public void awaitReadable(long time, TimeUnit unit) {
        }

        @Override
        public XnioIoThread getReadThread() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setReadReadyHandler(ReadReadyHandler handler) {
        }

        @Override
        public XnioWorker getWorker() {
            throw new UnsupportedOperationException();
        }
    }
}
