package dev.outpost.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import okhttp3.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The asset API and the content port agree: what a PUT writes is what GET serves, with the same validator. */
class UploadThenServeIT {
    @TempDir
    Path temp;

    private AssetApiFixture.Answer content(AssetApiFixture origin, String path, String... headerPairs) {
        Request.Builder request = new Request.Builder().url(origin.node.baseUri() + path);
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            request.header(headerPairs[i], headerPairs[i + 1]);
        }
        return origin.call(request.get().build());
    }

    @Test
    void uploadedAssetIsServedWithTheEtagThePutAnswered() {
        try (AssetApiFixture origin = AssetApiFixture.start(temp)) {
            AssetApiFixture.Answer put = origin.put("/site/app.css", "body { color: red }");
            assertThat(put.code()).isEqualTo(201);
            String etag = put.header("ETag");

            AssetApiFixture.Answer served = content(origin, "/site/app.css");
            assertThat(served.code()).isEqualTo(200);
            assertThat(served.text()).isEqualTo("body { color: red }");
            assertThat(served.header("ETag")).isEqualTo(etag);
            assertThat(served.header("Content-Type")).startsWith("text/css");
            assertThat(content(origin, "/site/app.css", "If-None-Match", etag).code()).isEqualTo(304);
        }
    }

    @Test
    void replacedAssetIsServedNewAndTheOldEtagNoLongerMatches() {
        try (AssetApiFixture origin = AssetApiFixture.start(temp)) {
            String oldEtag = origin.put("/a.txt", "version one").header("ETag");
            assertThat(origin.put("/a.txt", "version two!").code()).isEqualTo(200);

            AssetApiFixture.Answer conditional = content(origin, "/a.txt", "If-None-Match", oldEtag);
            assertThat(conditional.code()).isEqualTo(200);
            assertThat(conditional.text()).isEqualTo("version two!");
            assertThat(conditional.header("ETag")).isNotEqualTo(oldEtag);
        }
    }

    @Test
    void deletedAssetIsNoLongerServed() {
        try (AssetApiFixture origin = AssetApiFixture.start(temp)) {
            origin.put("/gone.txt", "soon gone");
            assertThat(content(origin, "/gone.txt").code()).isEqualTo(200);
            assertThat(origin.delete("/gone.txt").code()).isEqualTo(200);
            AssetApiFixture.Answer after = content(origin, "/gone.txt");
            assertThat(after.code()).isEqualTo(404);
            assertThat(after.text()).contains("\"error\"");
        }
    }
}
