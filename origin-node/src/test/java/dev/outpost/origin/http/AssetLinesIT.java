package dev.outpost.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.origin.assets.AssetInfo;
import dev.outpost.origin.assets.AssetWriter;
import dev.outpost.testkit.LogRecords;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code docker logs} of an origin shows of the asset API: one line per change, none per read. */
class AssetLinesIT {
    @TempDir
    Path tempDir;

    @Test
    void everyUploadAndDeleteIsOneLineAndReadsAreNone() {
        try (LogRecords lines = LogRecords.of(AssetWriter.class);
                AssetApiFixture origin = AssetApiFixture.start(tempDir)) {
            String etag = origin.put("/css/site.css", "body { color: red }").json(AssetInfo.class).etag();
            origin.put("/css/site.css", "body { color: blue }");
            origin.get("/css/site.css");
            assertThat(origin.delete("/css/site.css").code()).isEqualTo(200);

            assertThat(lines.messages()).satisfiesExactly(
                    created -> assertThat(created).isEqualTo("asset created: path=/css/site.css bytes=19 etag=" + etag
                            + " change=1"),
                    replaced -> assertThat(replaced).startsWith("asset replaced: path=/css/site.css bytes=20 etag=")
                            .endsWith(" change=2"),
                    deleted -> assertThat(deleted).isEqualTo("asset deleted: path=/css/site.css change=3"));
        }
    }
}
