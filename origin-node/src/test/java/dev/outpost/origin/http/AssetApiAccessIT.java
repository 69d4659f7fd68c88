package dev.outpost.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.ErrorBody;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.assets.AssetInfo;
import dev.outpost.origin.http.AssetApiFixture.Answer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may call the asset API, which methods it answers, and DELETE. */
class AssetApiAccessIT {
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
    void missingTokenIs401WithABearerChallenge() {
        origin = AssetApiFixture.start(tempDir);
        for (Request request : new Request[] {
                new Request.Builder().url(origin.url("")).build(),
                new Request.Builder().url(origin.url("/a.txt")).put(RequestBody.create("x", null)).build(),
                new Request.Builder().url(origin.url("/a.txt")).delete().build()}) {
            Answer answer = origin.call(request);
            assertThat(answer.code()).as(request.method()).isEqualTo(401);
            assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
            assertThat(answer.header("Content-Type")).isEqualTo("application/json");
            assertThat(answer.json(ErrorBody.class).error()).isEqualTo("unauthorized");
        }
        assertThat(origin.data.resolve("a.txt")).doesNotExist();
    }

    @Test
    void malformedAuthorizationIs401() {
        origin = AssetApiFixture.start(tempDir);
        for (String header : new String[] {"Basic dXNlcjpwYXNz", "Bearer", AssetApiFixture.TOKEN,
                "Bearer two words"}) {
            Answer answer = origin.call(new Request.Builder().url(origin.url(""))
                    .header("Authorization", header).build());
            assertThat(answer.code()).as(header).isEqualTo(401);
            assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
        }
    }

    @Test
    void wrongTokenIs403AndWritesNothing() {
        origin = AssetApiFixture.start(tempDir);
        Answer answer = origin.call(new Request.Builder().url(origin.url("/a.txt"))
                .header("Authorization", "Bearer " + AssetApiFixture.TOKEN + "x")
                .put(RequestBody.create("x", null)).build());
        assertThat(answer.code()).isEqualTo(403);
        assertThat(answer.json(ErrorBody.class).error()).isEqualTo("forbidden");
        assertThat(origin.data.resolve("a.txt")).doesNotExist();
    }

    @Test
    void withoutAConfiguredTokenTheApiIsDisabled() {
        origin = AssetApiFixture.start(tempDir, config -> new OriginConfig(config.listen(), config.data(),
                Optional.empty(), config.maxUploadBytes(), config.rules(), config.defaults(), config.notifications(),
                config.limits(), config.tls(), config.replication(), config.accessLog(), config.serverTiming()));
        Answer answer = origin.put("/a.txt", "x");
        assertThat(answer.code()).isEqualTo(403);
        ErrorBody error = answer.json(ErrorBody.class);
        assertThat(error.error()).isEqualTo("api_disabled");
        assertThat(error.message()).contains("apiToken");
        assertThat(origin.data.resolve("a.txt")).doesNotExist();
    }

    @Test
    void deleteRemovesTheAssetThenAnswers404() {
        origin = AssetApiFixture.start(tempDir);
        origin.put("/img/logo.svg", "<svg/>");

        Answer deleted = origin.delete("/img/logo.svg");
        assertThat(deleted.code()).isEqualTo(200);
        assertThat(deleted.text()).isEqualTo("{\"path\":\"/img/logo.svg\",\"deleted\":true}");
        assertThat(origin.data.resolve("img/logo.svg")).doesNotExist();
        assertThat(origin.get("/img/logo.svg").code()).isEqualTo(404);

        Answer again = origin.delete("/img/logo.svg");
        assertThat(again.code()).isEqualTo(404);
        assertThat(again.json(ErrorBody.class).error()).isEqualTo("not_found");
    }

    @Test
    void deletingADirectoryIsAConflictAndDotfilesAreRefused() throws Exception {
        origin = AssetApiFixture.start(tempDir);
        Files.createDirectories(origin.data.resolve("docs"));
        Files.writeString(origin.data.resolve(".env"), "SECRET=1");

        assertThat(origin.delete("/docs").code()).isEqualTo(409);
        assertThat(origin.delete("/.env").code()).isEqualTo(400);
        assertThat(origin.data.resolve("docs")).isDirectory();
        assertThat(origin.data.resolve(".env")).exists();
    }

    @Test
    void deletingAnInsideSymlinkRemovesTheLinkNotItsTarget() throws Exception {
        origin = AssetApiFixture.start(tempDir);
        origin.put("/site.css", "css");
        Files.createSymbolicLink(origin.data.resolve("alias.css"), origin.data.resolve("site.css"));

        assertThat(origin.delete("/alias.css").code()).isEqualTo(200);

        assertThat(origin.data.resolve("alias.css")).doesNotExist();
        assertThat(origin.onDisk("site.css")).isEqualTo("css");
    }

    @Test
    void otherMethodsAre405WithAllow() {
        origin = AssetApiFixture.start(tempDir);
        Answer onItem = origin.call(origin.request("/a.txt").post(RequestBody.create("x", null)).build());
        assertThat(onItem.code()).isEqualTo(405);
        assertThat(onItem.header("Allow")).isEqualTo("GET, HEAD, PUT, DELETE");
        assertThat(onItem.json(ErrorBody.class).error()).isEqualTo("method_not_allowed");

        Answer onCollection = origin.call(origin.request("").put(RequestBody.create("x", null)).build());
        assertThat(onCollection.code()).isEqualTo(405);
        assertThat(onCollection.header("Allow")).isEqualTo("GET, HEAD");
        assertThat(origin.data.resolve("a.txt")).doesNotExist();
    }

    @Test
    void metadataOfOneAsset() {
        origin = AssetApiFixture.start(tempDir);
        AssetInfo written = origin.put("/app.js", "let a;").json(AssetInfo.class);

        Answer answer = origin.get("/app.js");

        assertThat(answer.code()).isEqualTo(200);
        assertThat(answer.json(AssetInfo.class)).isEqualTo(written);
        assertThat(answer.header("ETag")).isEqualTo(written.etag());
        assertThat(answer.header("Cache-Control")).isEqualTo("no-store");
        assertThat(answer.header("Connection")).as("successful API calls keep the connection")
                .isNotEqualToIgnoringCase("close");
        assertThat(origin.get("/missing.js").code()).isEqualTo(404);

        Answer head = origin.call(origin.request("/app.js").head().build());
        assertThat(head.code()).isEqualTo(200);
        assertThat(head.header("ETag")).isEqualTo(written.etag());
        assertThat(head.body()).isEmpty();
    }
}
