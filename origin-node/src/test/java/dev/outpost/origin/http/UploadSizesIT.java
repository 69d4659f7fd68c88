package dev.outpost.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.ErrorBody;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.assets.AssetInfo;
import dev.outpost.origin.http.AssetApiFixture.Answer;
import dev.outpost.testkit.GeneratedBody;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads of every size the configuration allows, on a real socket: bodies far above Undertow's 2 MiB default are
 * written, one byte past {@code maxUploadBytes} is a 413 with a JSON body (with or without Content-Length), and a
 * 100 MiB upload arrives byte for byte under the default limit, as its digest shows.
 */
class UploadSizesIT {
    private static final long LIMIT = 8L * 1024 * 1024;

    @TempDir
    Path tempDir;
    private AssetApiFixture origin;

    @AfterEach
    void stop() {
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void aBodyOneByteBelowTheLimitIsWrittenWholeFarAboveUndertowsDefault() throws Exception {
        origin = AssetApiFixture.start(tempDir, config -> config.withMaxUploadBytes(LIMIT));
        GeneratedBody body = new GeneratedBody(LIMIT - 1, 1);

        Answer written = origin.call(origin.request("/below.bin").put(body.sized()).build());

        assertThat(written.code()).as(written.text()).isEqualTo(201);
        assertThat(written.json(AssetInfo.class).size()).isEqualTo(LIMIT - 1);
        assertThat(written.json(AssetInfo.class).digest()).isEqualTo(body.reprDigest());
        assertThat(GeneratedBody.sha256(Files.newInputStream(origin.data.resolve("below.bin"))))
                .isEqualTo(body.sha256());
    }

    @Test
    void aChunkedBodyOneByteBelowTheLimitIsWrittenToo() {
        origin = AssetApiFixture.start(tempDir, config -> config.withMaxUploadBytes(LIMIT));
        GeneratedBody body = new GeneratedBody(LIMIT - 1, 2);

        Answer written = origin.call(origin.request("/below.bin").put(body.chunked()).build());

        assertThat(written.code()).as(written.text()).isEqualTo(201);
        assertThat(written.json(AssetInfo.class).digest()).isEqualTo(body.reprDigest());
    }

    @Test
    void aDeclaredBodyOneBytePastTheLimitIs413WithAJsonBody() {
        origin = AssetApiFixture.start(tempDir, config -> config.withMaxUploadBytes(LIMIT));
        assertThat(origin.put("/over.bin", "old").code()).isEqualTo(201);

        Answer refused = origin.call(origin.request("/over.bin").put(new GeneratedBody(LIMIT + 1, 3).sized()).build());

        assertThat(refused.code()).isEqualTo(413);
        assertThat(refused.header("Content-Type")).startsWith("application/json");
        assertThat(refused.json(ErrorBody.class).error()).isEqualTo("too_large");
        assertThat(refused.json(ErrorBody.class).message()).contains("maxUploadBytes (" + LIMIT + " bytes)");
        assertThat(origin.onDisk("over.bin")).isEqualTo("old");
        assertThat(origin.tempFiles()).isEmpty();
    }

    @Test
    void aChunkedBodyOneBytePastTheLimitIs413WithAJsonBody() {
        origin = AssetApiFixture.start(tempDir, config -> config.withMaxUploadBytes(LIMIT));
        assertThat(origin.put("/over.bin", "old").code()).isEqualTo(201);

        Answer refused = origin.call(origin.request("/over.bin").put(new GeneratedBody(LIMIT + 1, 4).chunked())
                .build());

        assertThat(refused.code()).isEqualTo(413);
        assertThat(refused.json(ErrorBody.class).error()).isEqualTo("too_large");
        assertThat(origin.onDisk("over.bin")).isEqualTo("old");
        assertThat(origin.tempFiles()).isEmpty();
    }

    @Test
    void a100MibUploadUnderTheDefaultLimitArrivesByteForByte() throws Exception {
        origin = AssetApiFixture.start(tempDir);
        assertThat(OriginConfig.of("x").maxUploadBytes()).isEqualTo(512L * 1024 * 1024);
        GeneratedBody body = new GeneratedBody(100L * 1024 * 1024, 5);

        // The origin checks the body against the Repr-Digest sent ahead of it, and answers with its own.
        Answer written = origin.call(origin.request("/video/big.mp4").header("Repr-Digest", body.reprDigest())
                .put(body.sized()).build());

        assertThat(written.code()).as(written.text()).isEqualTo(201);
        assertThat(written.json(AssetInfo.class).size()).isEqualTo(100L * 1024 * 1024);
        assertThat(written.json(AssetInfo.class).digest()).isEqualTo(body.reprDigest());
        try (Response served = origin.http.newCall(new Request.Builder()
                .url(URI.create(origin.node.baseUri() + "/video/big.mp4").toString()).build()).execute()) {
            assertThat(served.code()).isEqualTo(200);
            assertThat(served.header("Repr-Digest")).isEqualTo(body.reprDigest());
            assertThat(GeneratedBody.sha256(served.body().byteStream())).isEqualTo(body.sha256());
        }
    }
}
