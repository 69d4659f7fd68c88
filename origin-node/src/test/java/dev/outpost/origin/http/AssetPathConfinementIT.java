package dev.outpost.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.origin.http.AssetApiFixture.Answer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No PUT or DELETE reaches outside the data directory, whatever the spelling of the path: the {@code outside/}
 * directory beside {@code data/} (and everything else in the temp directory) stays byte for byte the same.
 */
class AssetPathConfinementIT {
    private static final byte[] PAYLOAD = "pwned".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tempDir;
    private AssetApiFixture origin;
    private Map<String, String> before;

    @BeforeEach
    void start() {
        origin = AssetApiFixture.start(tempDir);
        before = AssetApiFixture.snapshot(tempDir);
    }

    @AfterEach
    void stop() {
        origin.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/../outside/secret.txt", "/../../outside/secret.txt", "/a/../../outside/secret.txt", "/..",
            "/%2e%2e/outside/secret.txt", "/%2E%2E/outside/secret.txt", "/.%2e/outside/secret.txt",
            "/%2e./outside/secret.txt", "/a/%2e%2e/%2e%2e/outside/secret.txt",
            "/..%2foutside%2fsecret.txt", "/%2e%2e%2Foutside%2Fsecret.txt", "%2f..%2foutside%2fsecret.txt",
            "/..%5coutside%5csecret.txt", "/..%5Coutside%5Csecret.txt", "/..\\outside\\secret.txt",
            "/secret.txt%00", "/..%00/outside/secret.txt", "/%00/../outside/secret.txt",
            "/%c0%ae%c0%ae/outside/secret.txt", "/%c0%ae%c0%ae%c0%afoutside%c0%afsecret.txt",
            "/%e0%80%ae%e0%80%ae/outside/secret.txt", "/%c1%9c..%c1%9coutside%c1%9csecret.txt",
            "/%25%32%65%25%32%65/../outside/secret.txt", "/./../outside/secret.txt",
    })
    void traversalInAnySpellingIsRefusedForPutAndDelete(String pathAfterApi) {
        Answer put = origin.raw("PUT", "/_origin/assets" + pathAfterApi, PAYLOAD);
        Answer delete = origin.raw("DELETE", "/_origin/assets" + pathAfterApi, new byte[0]);

        assertThat(put.code()).as("PUT " + pathAfterApi).isIn(400, 404);
        assertThat(delete.code()).as("DELETE " + pathAfterApi).isIn(400, 404);
        assertNothingChangedOutsideTheDataDirectory();
        assertThat(AssetApiFixture.snapshot(origin.data)).as("nothing written in data/ either").containsOnlyKeys("");
    }

    @Test
    void aDoubleEncodedDotIsAnOrdinaryNameInsideTheDataDirectory() {
        Answer put = origin.raw("PUT", "/_origin/assets/%252e%252e/outside/secret.txt", PAYLOAD);

        assertThat(put.code()).isEqualTo(201);
        assertThat(origin.data.resolve("%2e%2e/outside/secret.txt")).hasContent("pwned");
        assertNothingChangedOutsideTheDataDirectory();
    }

    @Test
    void aSymlinkedDirectoryPointingOutsideIsNeitherWrittenNorDeletedThrough() throws Exception {
        Files.createSymbolicLink(origin.data.resolve("evil"), origin.outside);
        Files.createDirectories(origin.data.resolve("sub"));
        Files.createSymbolicLink(origin.data.resolve("sub/deeper"), Path.of("../../outside"));
        before = AssetApiFixture.snapshot(tempDir);

        assertThat(origin.put("/evil/pwned.txt", "pwned").code()).isEqualTo(400);
        assertThat(origin.put("/evil/secret.txt", "pwned").code()).isEqualTo(400);
        assertThat(origin.put("/evil/new-dir/pwned.txt", "pwned").code()).isEqualTo(400);
        assertThat(origin.put("/sub/deeper/pwned.txt", "pwned").code()).isEqualTo(400);
        assertThat(origin.delete("/evil/secret.txt").code()).isEqualTo(404);
        assertThat(origin.delete("/sub/deeper/secret.txt").code()).isEqualTo(404);
        assertThat(origin.get("/evil/secret.txt").code()).isEqualTo(404);

        assertNothingChangedOutsideTheDataDirectory();
        assertThat(AssetApiFixture.snapshot(tempDir)).isEqualTo(before);
    }

    @Test
    void aSymlinkedFilePointingOutsideIsNeitherWrittenNorDeleted() throws Exception {
        Files.createSymbolicLink(origin.data.resolve("link.txt"), origin.outside.resolve("secret.txt"));
        before = AssetApiFixture.snapshot(tempDir);

        assertThat(origin.put("/link.txt", "pwned").code()).isEqualTo(400);
        assertThat(origin.delete("/link.txt").code()).isEqualTo(404);
        assertThat(origin.get("/link.txt").code()).isEqualTo(404);

        assertThat(AssetApiFixture.snapshot(tempDir)).isEqualTo(before);
    }

    @Test
    void thePrefixItselfMustBeSpelledPlainly() {
        Answer answer = origin.raw("PUT", "/_origin/%61ssets/x.txt", PAYLOAD);
        assertThat(answer.code()).isIn(400, 404);
        assertThat(origin.data.resolve("x.txt")).doesNotExist();
    }

    private void assertNothingChangedOutsideTheDataDirectory() {
        Map<String, String> now = AssetApiFixture.snapshot(tempDir);
        now.keySet().removeIf(key -> key.startsWith("data"));
        Map<String, String> then = new java.util.TreeMap<>(before);
        then.keySet().removeIf(key -> key.startsWith("data"));
        assertThat(now).isEqualTo(then);
        assertThat(origin.outside.resolve("secret.txt")).hasContent("outside the data directory");
    }
}
