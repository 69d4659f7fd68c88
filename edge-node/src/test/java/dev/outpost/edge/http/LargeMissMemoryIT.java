package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.SpoolConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A miss far larger than anything the edge keeps (1 GiB by default; {@code -Doutpost.largeMissBytes=N} sets
 * another size) streams through with bounded memory: the edge's direct buffers (where it holds body bytes) grow by
 * at most a small bound over the whole transfer, whether the origin announces the length (too large to store from
 * the head on) or sends it chunked (stored while it could be, given up once it passes the object limit). The spool
 * is kept small, so most of the body goes through the memory window at the client's pace. Accounting, not timing:
 * the pool is read every few MiB the client receives.
 */
class LargeMissMemoryIT {
    private static final long SIZE = Long.getLong("outpost.largeMissBytes", 1L << 30);
    private static final long SPOOL_BYTES = 4L * 1024 * 1024;
    private static final long MAX_OBJECT_BYTES = 1024 * 1024;
    /** Growth of the direct buffer pool allowed over the whole transfer: the object limit, window and I/O buffers. */
    private static final long MEMORY_BOUND = 32L * 1024 * 1024;
    /** The body repeats a pattern of a prime length, so no read or write size lines up with it. */
    private static final int PERIOD = 65_521;
    private static final byte[] PATTERN = pattern();

    @TempDir
    Path spoolDir;

    private static byte[] pattern() {
        byte[] p = new byte[2 * PERIOD];
        for (int i = 0; i < p.length; i++) {
            int x = i % PERIOD;
            p[i] = (byte) (x * 131 + (x >>> 7));
        }
        return p;
    }

    @Test
    void aMissWithAnnouncedLengthFarOverTheObjectLimitStreamsThroughInBoundedMemory() throws Exception {
        try (GeneratingOrigin origin = new GeneratingOrigin(SIZE, false);
                EdgeFixture f = edgeIn(origin)) {
            long peak = streamAndMeasure(f, "/huge");
            assertThat(peak).as("direct memory growth while " + SIZE + " bytes streamed").isLessThan(MEMORY_BOUND);
            assertThat(f.edge.store().keys()).isEmpty();
            assertThat(origin.requests.get()).isEqualTo(1);
        }
    }

    @Test
    void aChunkedMissThatOutgrowsTheObjectLimitStreamsThroughInBoundedMemory() throws Exception {
        try (GeneratingOrigin origin = new GeneratingOrigin(SIZE, true);
                EdgeFixture f = edgeIn(origin)) {
            long peak = streamAndMeasure(f, "/huge-chunked");
            assertThat(peak).as("direct memory growth while " + SIZE + " bytes streamed").isLessThan(MEMORY_BOUND);
            assertThat(f.edge.store().keys()).isEmpty();
            assertThat(origin.requests.get()).isEqualTo(1);
        }
    }

    private EdgeFixture edgeIn(GeneratingOrigin origin) throws IOException {
        return new EdgeFixture(c -> c.withCache(new CacheConfig(8L * 1024 * 1024, MAX_OBJECT_BYTES, null, null, null,
                null, null, null, null, new SpoolConfig(spoolDir.toString(), SPOOL_BYTES, null), null, null, null)),
                List.of(origin.uri()));
    }

    /** Reads the whole body, checking every byte; answers the largest growth of direct memory seen meanwhile. */
    private static long streamAndMeasure(EdgeFixture f, String path) throws IOException {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
        long baseline = direct.getMemoryUsed();
        long peak = 0;
        long read = 0;
        byte[] buffer = new byte[64 * 1024];
        try (Response r = f.get(path)) {
            assertThat(r.code()).isEqualTo(200);
            InputStream in = r.body().byteStream();
            long nextSample = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                int offset = (int) (read % PERIOD);
                assertThat(Arrays.mismatch(buffer, 0, n, PATTERN, offset, offset + n))
                        .as("bytes from %d", read).isEqualTo(-1);
                read += n;
                if (read >= nextSample) {
                    peak = Math.max(peak, direct.getMemoryUsed() - baseline);
                    nextSample += 4L * 1024 * 1024;
                }
            }
            assertThat(read).isEqualTo(SIZE);
            assertThat(r.header("Cache-Status")).contains("fwd=miss");
        }
        return peak;
    }

    /**
     * A raw-socket origin that generates its body (never holding it): {@code size} bytes of the pattern, with a
     * Content-Length, or chunked. Counts requests.
     */
    private static final class GeneratingOrigin implements AutoCloseable {
        private final ServerSocket socket;
        private final long size;
        private final boolean chunked;
        final AtomicInteger requests = new AtomicInteger();

        GeneratingOrigin(long size, boolean chunked) throws IOException {
            this.size = size;
            this.chunked = chunked;
            socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                while (readHead(in)) {
                    requests.incrementAndGet();
                    OutputStream out = s.getOutputStream();
                    String framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + size;
                    out.write(("HTTP/1.1 200 OK\r\n" + framing + "\r\nCache-Control: max-age=600\r\n"
                            + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    for (long sent = 0; sent < size; ) {
                        int n = (int) Math.min(PERIOD, size - sent);
                        int offset = (int) (sent % PERIOD);
                        if (chunked) {
                            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        }
                        out.write(PATTERN, offset, n);
                        if (chunked) {
                            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                        sent += n;
                    }
                    if (chunked) {
                        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.flush();
                }
            } catch (IOException e) {
                // closed by the edge or the test
            }
        }

        private static boolean readHead(InputStream in) throws IOException {
            int state = 0;
            while (state < 4) {
                int c = in.read();
                if (c < 0) {
                    return false;
                }
                state = (c == '\r' && state % 2 == 0) || (c == '\n' && state % 2 == 1) ? state + 1 : 0;
            }
            return true;
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
