package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.SpoolConfig;
import dev.outpost.testkit.FakeOrigin;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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
        try (FakeOrigin origin = generatingOrigin(false);
                EdgeFixture f = edgeIn(origin)) {
            long peak = streamAndMeasure(f, "/huge");
            assertThat(peak).as("direct memory growth while " + SIZE + " bytes streamed").isLessThan(MEMORY_BOUND);
            assertThat(f.edge.store().keys()).isEmpty();
            assertThat(origin.requests()).isEqualTo(1);
        }
    }

    @Test
    void aChunkedMissThatOutgrowsTheObjectLimitStreamsThroughInBoundedMemory() throws Exception {
        try (FakeOrigin origin = generatingOrigin(true);
                EdgeFixture f = edgeIn(origin)) {
            long peak = streamAndMeasure(f, "/huge-chunked");
            assertThat(peak).as("direct memory growth while " + SIZE + " bytes streamed").isLessThan(MEMORY_BOUND);
            assertThat(f.edge.store().keys()).isEmpty();
            assertThat(origin.requests()).isEqualTo(1);
        }
    }

    private EdgeFixture edgeIn(FakeOrigin origin) throws IOException {
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
     * An origin that generates its body (never holding it): {@link #SIZE} bytes of the pattern, with a
     * Content-Length, or chunked (a chunk per period).
     */
    private static FakeOrigin generatingOrigin(boolean chunked) throws IOException {
        FakeOrigin.Body body = new FakeOrigin.Body() {
            @Override
            public long length() {
                return SIZE;
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                for (long sent = 0; sent < SIZE; ) {
                    int n = (int) Math.min(PERIOD, SIZE - sent);
                    out.write(PATTERN, (int) (sent % PERIOD), n);
                    sent += n;
                }
            }
        };
        return FakeOrigin.start(request -> {
            FakeOrigin.Answer answer = FakeOrigin.Answer.ok(body).header("Cache-Control", "max-age=600")
                    .header("Content-Type", "application/octet-stream");
            return chunked ? answer.chunked() : answer;
        });
    }
}
