package dev.outpost.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.ErrorBody;
import dev.outpost.origin.http.AssetApiFixture.Answer;
import dev.outpost.testkit.GeneratedBody;
import dev.outpost.testkit.SmallTmpfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads to an origin whose data directory is a real 1 MiB tmpfs: a write the device has no room for is a
 * {@code 507 insufficient_storage} with a JSON body naming the free space (before, a {@code 500 internal_error} and
 * a stack trace in the log), the old copy stays as it was, no temp file is left, and the origin goes on serving and
 * writing what fits.
 */
class DataDirectoryFullIT {
    private static final int ONE_MIB = 1_048_576;

    @TempDir
    Path tempDir;
    private SmallTmpfs small;
    private AssetApiFixture origin;

    @BeforeEach
    void start() {
        small = SmallTmpfs.mount(tempDir.resolve("data"), ONE_MIB); // the fixture's data directory
        origin = AssetApiFixture.start(tempDir);
    }

    @AfterEach
    void stop() {
        if (origin != null) {
            origin.close();
        }
        if (small != null) {
            small.close();
        }
    }

    private static void assertInsufficientStorage(Answer refused) {
        assertThat(refused.code()).as(refused.text()).isEqualTo(507);
        assertThat(refused.header("Content-Type")).startsWith("application/json");
        assertThat(refused.json(ErrorBody.class).error()).isEqualTo("insufficient_storage");
        assertThat(refused.json(ErrorBody.class).message()).contains("bytes are free").contains("nothing was written");
    }

    private byte[] onDisk(String name) throws IOException {
        return Files.readAllBytes(origin.data.resolve(name));
    }

    @Test
    void aDeclaredBodyLargerThanTheFreeSpaceIsRefusedBeforeItIsWritten() throws IOException {
        GeneratedBody kept = new GeneratedBody(400_000, 1);
        assertThat(origin.call(origin.request("/kept.bin").put(kept.sized()).build()).code()).isEqualTo(201);

        Answer refused = origin.call(origin.request("/big.bin").put(new GeneratedBody(2 * ONE_MIB, 2).sized())
                .build());

        assertInsufficientStorage(refused);
        assertThat(refused.json(ErrorBody.class).message()).contains("/big.bin").contains("(" + 2 * ONE_MIB
                + " bytes)");
        assertThat(origin.data.resolve("big.bin")).doesNotExist();
        assertThat(origin.tempFiles()).isEmpty();
        assertThat(GeneratedBody.sha256(Files.newInputStream(origin.data.resolve("kept.bin"))))
                .isEqualTo(kept.sha256());
    }

    @Test
    void aChunkedBodyThatFillsTheDeviceIs507AndTheOldCopyStays() throws IOException {
        assertThat(origin.put("/a.txt", "old").code()).isEqualTo(201);
        long freeBefore = small.freeBytes();

        Answer refused = origin.call(origin.request("/a.txt").put(new GeneratedBody(2 * ONE_MIB, 3).chunked())
                .build());

        assertInsufficientStorage(refused);
        assertThat(origin.onDisk("a.txt")).isEqualTo("old");
        assertThat(origin.tempFiles()).as("the partial temp file was deleted").isEmpty();
        assertThat(small.freeBytes()).as("its space given back").isGreaterThanOrEqualTo(freeBefore);

        GeneratedBody fits = new GeneratedBody(300_000, 4);
        Answer written = origin.call(origin.request("/a.txt").put(fits.chunked()).build());
        assertThat(written.code()).as("a body that fits is written as before").isEqualTo(200);
        assertThat(GeneratedBody.sha256(Files.newInputStream(origin.data.resolve("a.txt"))))
                .isEqualTo(fits.sha256());
    }

    @Test
    void replacingACopyNeedsRoomForBothUntilTheNewOneIsComplete() throws IOException {
        GeneratedBody first = new GeneratedBody(600_000, 5);
        assertThat(origin.call(origin.request("/v.bin").put(first.sized()).build()).code()).isEqualTo(201);
        byte[] before = onDisk("v.bin");

        Answer refused = origin.call(origin.request("/v.bin").put(new GeneratedBody(600_000, 6).chunked()).build());

        assertInsufficientStorage(refused);
        assertThat(onDisk("v.bin")).isEqualTo(before);
        assertThat(origin.tempFiles()).isEmpty();
    }

    @Test
    void aDeleteWhoseChangeCannotBeRecordedIs507AndTheFileStays() throws IOException {
        GeneratedBody kept = new GeneratedBody(300_000, 7);
        assertThat(origin.call(origin.request("/kept.bin").put(kept.sized()).build()).code()).isEqualTo(201);
        Path filler = origin.data.resolve(".filler"); // another process filled the device meanwhile
        try (var out = Files.newOutputStream(filler)) {
            byte[] block = new byte[4096];
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            assertThat(small.freeBytes()).isZero();
        }

        Answer refused = origin.delete("/kept.bin");

        assertThat(refused.code()).as(refused.text()).isEqualTo(507);
        assertThat(refused.json(ErrorBody.class).error()).isEqualTo("insufficient_storage");
        assertThat(refused.json(ErrorBody.class).message()).contains("nothing was deleted");
        assertThat(GeneratedBody.sha256(Files.newInputStream(origin.data.resolve("kept.bin"))))
                .isEqualTo(kept.sha256());

        Files.delete(filler);
        assertThat(origin.delete("/kept.bin").code()).as("once space is freed").isEqualTo(200);
    }
}
