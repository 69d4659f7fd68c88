package dev.outpost.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.ErrorMappingHandler;
import dev.outpost.common.wire.ErrorBody;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.http.AssetApiFixture.Answer;
import dev.outpost.testkit.LogRecords;
import dev.outpost.testkit.ReadOnlyMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Level;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An origin whose data directory is on a read-only file system (mounted so, or remounted so by the kernel after disk
 * errors), its replication log elsewhere as docs/origin.md says: uploads and deletes are refused with
 * {@code 503 storage_read_only} and a JSON body naming the path (before, a {@code 500 internal_error} and a stack
 * trace in the log), nothing changes, the content is still served, and writes work again once the directory is
 * writable, without a restart.
 */
class ReadOnlyDataDirectoryIT {
    @TempDir
    Path tempDir;
    private ReadOnlyMount readOnly;
    private AssetApiFixture origin;
    private LogRecords errors;

    @BeforeEach
    void start() throws IOException {
        Path data = Files.createDirectories(tempDir.resolve("data"));
        Files.writeString(data.resolve("kept.txt"), "kept");
        Files.createDirectories(data.resolve("sub"));
        readOnly = ReadOnlyMount.over(data);
        Path log = Files.createDirectories(tempDir.resolve("replication"));
        origin = AssetApiFixture.start(tempDir, config -> config.withReplication(new OriginConfig.Replication(
                null, null, null, null, null, null, Optional.of(log.toString()))));
        errors = LogRecords.of(ErrorMappingHandler.class);
    }

    @AfterEach
    void stop() {
        if (errors != null) {
            errors.close();
        }
        if (origin != null) {
            origin.close();
        }
        if (readOnly != null) {
            readOnly.close();
        }
    }

    private void assertRefused(Answer refused, String path, String outcome) {
        assertThat(refused.code()).as(refused.text()).isEqualTo(503);
        assertThat(refused.header("Content-Type")).startsWith("application/json");
        ErrorBody body = refused.json(ErrorBody.class);
        assertThat(body.error()).isEqualTo("storage_read_only");
        assertThat(body.message()).contains(path).contains("read-only").contains(outcome);
        assertThat(errors.messages(Level.SEVERE)).as("no internal error, no stack trace").isEmpty();
    }

    private Answer content(String path) {
        return origin.call(new Request.Builder().url(origin.node.baseUri() + path).build());
    }

    @Test
    void anUploadIsRefusedWith503AndNothingIsWritten() {
        assertRefused(origin.put("/new.txt", "new"), "/new.txt", "nothing was written");
        assertRefused(origin.put("/kept.txt", "replaced"), "/kept.txt", "nothing was written");
        assertRefused(origin.put("/sub/deeper/new.txt", "new"), "/sub/deeper/new.txt", "nothing was written");

        assertThat(content("/kept.txt").text()).isEqualTo("kept");
        assertThat(content("/new.txt").code()).isEqualTo(404);
        assertThat(origin.data.resolve("sub/deeper")).doesNotExist();
    }

    @Test
    void aDeleteIsRefusedWith503AndTheFileIsStillServed() {
        assertRefused(origin.delete("/kept.txt"), "/kept.txt", "nothing was deleted");

        assertThat(content("/kept.txt").code()).isEqualTo(200);
        assertThat(content("/kept.txt").text()).isEqualTo("kept");
    }

    @Test
    void writesWorkAgainOnceTheDirectoryIsWritable() {
        assertThat(origin.put("/new.txt", "new").code()).isEqualTo(503);

        readOnly.close();
        readOnly = null;

        assertThat(origin.put("/new.txt", "new").code()).isEqualTo(201);
        assertThat(content("/new.txt").text()).isEqualTo("new");
        assertThat(origin.delete("/kept.txt").code()).isEqualTo(200);
    }
}
