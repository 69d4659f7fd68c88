package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.testkit.ReadOnlyMount;
import dev.outpost.testkit.SmallTmpfs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FillTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    private static byte[] drain(Fill.Reader reader) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer b; (b = reader.next(WAIT)) != null; ) {
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            out.write(chunk);
        }
        return out.toByteArray();
    }

    /** Appends {@code body} on another thread in pieces that never line up with a 64 KiB chunk, then finishes. */
    private static CompletableFuture<Void> appendInPieces(Fill fill, byte[] body) {
        return CompletableFuture.runAsync(() -> {
            try {
                for (int at = 0; at < body.length; at += 30_001) {
                    fill.append(ByteBuffer.wrap(body, at, Math.min(30_001, body.length - at)));
                }
                fill.finish(Optional.empty());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private long spoolFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }

    @Test
    void aReaderGetsBytesWhileTheBodyIsStillArrivingButNeverTheLastOneBeforeItIsChecked() throws Exception {
        Fill fill = Fill.keeping(10, 100, null, 16);
        Fill.Reader reader = fill.reader().orElseThrow();
        fill.append(ByteBuffer.wrap(bytes(6, 0)));
        ByteBuffer first = reader.next(WAIT);
        assertThat(first.remaining()).as("everything but the held-back last byte").isEqualTo(5);
        fill.append(ByteBuffer.wrap(bytes(4, 6)));
        assertThat(reader.next(WAIT).remaining()).isEqualTo(4); // bytes 5..8; byte 9 held back
        CompletableFuture<ByteBuffer> last = CompletableFuture.supplyAsync(() -> {
            try {
                return reader.next(WAIT);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        assertThat(last).as("the last byte waits for finish()").isNotDone();
        fill.finish(Optional.empty());
        assertThat(last.get(5, TimeUnit.SECONDS).remaining()).isEqualTo(1);
        assertThat(reader.next(WAIT)).isNull();
        assertThat(fill.kept()).isTrue();
        assertThat(fill.wholeBody().remaining()).isEqualTo(10);
    }

    @Test
    void aBodyThatFailsIsNeverDeliveredComplete() throws Exception {
        Fill fill = Fill.keeping(4, 100, null, 16);
        Fill.Reader reader = fill.reader().orElseThrow();
        fill.append(ByteBuffer.wrap(bytes(4, 0)));
        assertThat(reader.next(WAIT).remaining()).isEqualTo(3);
        fill.finish(Optional.of("Repr-Digest does not match"));
        assertThatThrownBy(() -> reader.next(WAIT)).isInstanceOf(Fill.Failed.class)
                .hasMessageContaining("Repr-Digest");
    }

    @Test
    void aShortBodyFailsAtFinish() throws Exception {
        Fill fill = Fill.keeping(10, 100, null, 16);
        Fill.Reader reader = fill.reader().orElseThrow();
        fill.append(ByteBuffer.wrap(bytes(3, 0)));
        fill.finish(Optional.empty());
        assertThatThrownBy(() -> reader.next(WAIT)).isInstanceOf(Fill.Failed.class).hasMessageContaining("10");
    }

    @Test
    void aLateReaderStartsFromTheFirstByte() throws Exception {
        byte[] body = bytes(200_000, 7);
        Fill fill = Fill.keeping(-1, 1_000_000, null, 16);
        Fill.Reader early = fill.reader().orElseThrow();
        fill.append(ByteBuffer.wrap(body, 0, 150_000));
        Fill.Reader late = fill.reader().orElseThrow();
        fill.append(ByteBuffer.wrap(body, 150_000, 50_000));
        fill.finish(Optional.empty());
        assertThat(drain(early)).isEqualTo(body);
        assertThat(drain(late)).isEqualTo(body);
        assertThat(fill.kept()).isTrue();
        assertThat(fill.wholeBody()).isEqualTo(ByteBuffer.wrap(body));
    }

    @Test
    void beyondTheMemoryLimitTheBodyGoesToTheSpoolAndTheFileGoesWhenDoneAndRead() throws Exception {
        Spool spool = new Spool(dir, 10_000_000);
        byte[] body = bytes(300_000, 3);
        Fill fill = Fill.keeping(-1, 100_000, spool, 16);
        Fill.Reader reader = fill.reader().orElseThrow();
        for (int at = 0; at < body.length; at += 10_000) {
            fill.append(ByteBuffer.wrap(body, at, 10_000));
        }
        fill.finish(Optional.empty());
        assertThat(fill.spooled()).isTrue();
        assertThat(fill.kept()).isFalse();
        assertThat(spool.usedBytes()).isEqualTo(200_000);
        assertThat(spoolFiles()).as("delete-on-close: no name left for a killed process to leave behind").isZero();
        assertThat(drain(reader)).isEqualTo(body);
        assertThat(spool.usedBytes()).as("kept while a reader may need it").isEqualTo(200_000);
        reader.close();
        assertThat(spool.usedBytes()).as("given back once done and read").isZero();
    }

    @Test
    void aPassingBodyIsSpooledFromTheFirstByteSoTheOriginIsReadAtItsOwnSpeed() throws Exception {
        Spool spool = new Spool(dir, 10_000_000);
        byte[] body = bytes(1_000_000, 9);
        Fill fill = Fill.passing(spool, 16);
        Fill.Reader reader = fill.reader().orElseThrow();
        // the writer runs to the end although the reader has not read a byte
        fill.append(ByteBuffer.wrap(body));
        fill.finish(Optional.empty());
        assertThat(fill.received()).isEqualTo(body.length);
        assertThat(drain(reader)).isEqualTo(body);
    }

    @Test
    void whenTheSpoolIsFullTheWriterWaitsForTheSlowestReaderWithinItsWindow() throws Exception {
        Spool spool = new Spool(dir, 0);
        byte[] body = bytes(100_000, 5);
        Fill fill = Fill.passing(spool, 1_000);
        Fill.Reader reader = fill.reader().orElseThrow();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                for (int at = 0; at < body.length; at += 500) {
                    fill.append(ByteBuffer.wrap(body, at, 500));
                }
                fill.finish(Optional.empty());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(writer).as("the writer waits for the reader").isNotDone();
        assertThat(fill.received()).isLessThanOrEqualTo(1_000 + 500);
        assertThat(fill.reader()).as("nobody joins a windowed body").isEmpty();
        assertThat(drain(reader)).isEqualTo(body);
        writer.get(5, TimeUnit.SECONDS);
        assertThat(spool.fullCount()).isPositive();
    }

    @Test
    void aBodyOfUnknownLengthGoingFromMemoryToTheSpoolToTheWindowReadsBackWholeAndReusesItsWindowChunks()
            throws Exception {
        int memoryLimit = 100_000;
        Spool spool = new Spool(dir, 200_000);
        byte[] body = bytes(4_000_000, 7);
        Fill fill = Fill.keeping(-1, memoryLimit, spool, 150_000);
        Fill.Reader reader = fill.reader().orElseThrow();
        CompletableFuture<Void> writer = appendInPieces(fill, body);
        assertThat(drain(reader)).isEqualTo(body);
        writer.get(5, TimeUnit.SECONDS);
        assertThat(fill.spooled()).isTrue();
        assertThat(spool.fullCount()).as("the window carried the rest").isPositive();
        // the kept start (2 chunks), the window (3 chunks) and the chunks a reader still writes out: not 60
        assertThat(fill.chunksAllocated()).isLessThanOrEqualTo(2 + 150_000 / (64 * 1024) + 1 + 3);
    }

    @Test
    void aSpoolWhoseFileSystemFillsUpBeforeItsBudgetIsSpentCarriesTheRestThroughTheWindow() throws Exception {
        try (SmallTmpfs small = SmallTmpfs.mount(dir.resolve("small"), 1_048_576)) {
            // A budget the device cannot hold.
            assertEveryByteGoesThrough(new Spool(small.path().resolve("spool"), 100_000_000), 9);
        }
    }

    @Test
    void aSpoolWhoseFileSystemTurnedReadOnlyCarriesTheBodyThroughTheWindow() throws Exception {
        Spool spool = new Spool(Files.createDirectories(dir.resolve("spool")), 100_000_000);
        try (ReadOnlyMount readOnly = ReadOnlyMount.over(dir.resolve("spool"))) { // as after disk errors
            assertEveryByteGoesThrough(spool, 10);
        }
    }

    /**
     * A 4 MB body passed with a 150 KB window through {@code spool}, whose file system gives way: every byte
     * arrives in order (what was spooled, then the window's), the spool counts it full and gives its room back.
     */
    private static void assertEveryByteGoesThrough(Spool spool, int seed) throws Exception {
        byte[] body = bytes(4_000_000, seed);
        Fill fill = Fill.passing(spool, 150_000);
        Fill.Reader reader = fill.reader().orElseThrow();
        CompletableFuture<Void> writer = appendInPieces(fill, body);
        assertThat(drain(reader)).as("every byte, in order: the spool's, then the window's").isEqualTo(body);
        writer.get(5, TimeUnit.SECONDS);
        assertThat(spool.fullCount()).as("counted as a full spool").isPositive();
        reader.close();
        assertThat(spool.usedBytes()).as("its room given back").isZero();
    }

    @Test
    void aWriterWaitingOnTheWindowGivesUpWhenEveryReaderLeft() throws Exception {
        Fill fill = Fill.passing(new Spool(dir, 0), 100);
        Fill.Reader reader = fill.reader().orElseThrow();
        fill.append(ByteBuffer.wrap(bytes(100, 1)));
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                fill.append(ByteBuffer.wrap(bytes(100, 2)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        reader.close();
        assertThatThrownBy(() -> writer.get(5, TimeUnit.SECONDS)).hasMessageContaining("every reader");
        assertThat(fill.abandoned()).isTrue();
    }

    @Test
    void aBodyAllocatedUpFrontIsReadAndStoredWithoutACopy() throws Exception {
        byte[] body = bytes(200_000, 9);
        Fill fill = Fill.keepingAllocated(body.length, 1_000_000, null, 16);
        assertThat(fill.memoryReserved()).isTrue();
        Fill.Reader reader = fill.reader().orElseThrow();
        for (int at = 0; at < body.length; at += 30_000) {
            fill.append(ByteBuffer.wrap(body, at, Math.min(30_000, body.length - at)));
        }
        ByteBuffer whole = fill.wholeBody();
        fill.finish(Optional.empty());
        assertThat(drain(reader)).isEqualTo(body);
        byte[] stored = new byte[whole.remaining()];
        whole.get(stored);
        assertThat(stored).isEqualTo(body);
        assertThat(fill.chunksAllocated()).as("no chunks beside the body's own buffer").isZero();
    }

    @Test
    void aSmallBodyIsKeptInABufferOfItsOwnSizeTakenAtItsFirstByteAndStoredWithoutACopy() throws Exception {
        byte[] body = bytes(2_048, 5);
        Fill fill = Fill.keeping(body.length, 1_000_000, null, 16);
        assertThat(fill.memoryReserved()).as("nothing before the first byte").isFalse();
        Fill.Reader reader = fill.reader().orElseThrow();
        fill.append(ByteBuffer.wrap(body, 0, 1_000));
        fill.append(ByteBuffer.wrap(body, 1_000, body.length - 1_000));
        ByteBuffer whole = fill.wholeBody();
        fill.finish(Optional.empty());
        assertThat(drain(reader)).isEqualTo(body);
        assertThat(whole.capacity()).as("the body's own buffer, no 64 KiB chunk").isEqualTo(body.length);
        byte[] stored = new byte[whole.remaining()];
        whole.get(stored);
        assertThat(stored).isEqualTo(body);
        assertThat(fill.chunksAllocated()).isZero();
    }

    @Test
    void aBodyKeptInChunksIsCopiedIntoOneBufferOfItsExactSizeForTheStore() throws Exception {
        byte[] body = bytes(200_000, 3);
        Fill fill = Fill.keeping(body.length, 1_000_000, null, 16);
        for (int at = 0; at < body.length; at += 30_000) {
            fill.append(ByteBuffer.wrap(body, at, Math.min(30_000, body.length - at)));
        }
        ByteBuffer whole = fill.wholeBody();
        assertThat(whole.isDirect()).isTrue();
        assertThat(whole.capacity()).isEqualTo(body.length);
        byte[] stored = new byte[whole.remaining()];
        whole.get(stored);
        assertThat(stored).isEqualTo(body);
    }

    @Test
    void moreBytesThanAnnouncedIsAnError() {
        Fill fill = Fill.keeping(3, 100, null, 16);
        assertThatThrownBy(() -> fill.append(ByteBuffer.wrap(bytes(4, 0)))).hasMessageContaining("3 bytes");
    }

    @Test
    void aReaderThatWaitsTooLongForBytesFails() throws Exception {
        Fill fill = Fill.keeping(10, 100, null, 16);
        Fill.Reader reader = fill.reader().orElseThrow();
        assertThatThrownBy(() -> reader.next(Duration.ofMillis(50))).hasMessageContaining("no body bytes");
    }
}
