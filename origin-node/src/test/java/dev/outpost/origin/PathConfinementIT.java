package dev.outpost.origin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests that try to leave the data directory, sent byte for byte over a raw socket (client libraries would
 * normalise them first). The data directory is {@code base/data}; the canary sits at {@code base/outside/canary.txt},
 * i.e. at {@code ../outside/canary.txt} from the data directory. No answer may ever contain it.
 */
class PathConfinementIT {
    @TempDir
    Path temp;
    TestOrigin origin;

    @BeforeEach
    void start() throws IOException {
        origin = TestOrigin.start(temp);
        origin.file("public/page.txt", "public page");
    }

    @AfterEach
    void stop() {
        origin.close();
    }

    @Test
    void theRawClientReachesAnOrdinaryFile() throws IOException {
        TestOrigin.RawResponse response = origin.raw("/public/page.txt");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).isEqualTo("public page");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/../outside/canary.txt",
            "/public/../../outside/canary.txt",
            "//../outside/canary.txt",
            "/./../outside/canary.txt",
            "/%2e%2e/outside/canary.txt",
            "/%2E%2E/outside/canary.txt",
            "/.%2e/outside/canary.txt",
            "/%2e./outside/canary.txt",
            "/public/%2e%2e/%2e%2e/outside/canary.txt",
            "/..%2foutside%2fcanary.txt",
            "/%2e%2e%2foutside%2fcanary.txt",
            "/public%2f..%2f..%2foutside%2fcanary.txt",
            "/..%5coutside%5ccanary.txt",
            "/%2e%2e%5Coutside%5Ccanary.txt",
            "/..\\outside\\canary.txt",
            "/public\\..\\..\\outside\\canary.txt",
            "/../outside/canary.txt%00.txt",
            "/public/page.txt%00/../../../outside/canary.txt",
            "/%c0%ae%c0%ae/outside/canary.txt",
            "/%c0%ae%c0%ae%c0%afoutside%c0%afcanary.txt",
            "/%e0%80%ae%e0%80%ae/outside/canary.txt",
            "/%c1%9c..%c1%9coutside/canary.txt",
            "/%252e%252e/outside/canary.txt",
            "/%25%32%65%25%32%65/outside/canary.txt",
            "http://origin.test/../outside/canary.txt",
            "/..;/outside/canary.txt",
            "/.../outside/canary.txt",
            "/public/..%00/outside/canary.txt"
    })
    void traversalAttemptsAreRefusedAndNeverRevealTheCanary(String target) throws IOException {
        TestOrigin.RawResponse response = origin.raw(target);
        assertThat(response.status()).as(target).isIn(400, 404);
        assertThat(response.wireText()).as(target).doesNotContain(origin.canary);
    }

    @Test
    void aSymlinkToAFileOutsideIsNotFound() throws IOException {
        Files.createSymbolicLink(origin.data.resolve("public/leak.txt"), origin.outside.resolve("canary.txt"));
        TestOrigin.RawResponse response = origin.raw("/public/leak.txt");
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.wireText()).doesNotContain(origin.canary);
    }

    @Test
    void aSymlinkedDirectoryPointingOutsideIsNotFound() throws IOException {
        Files.createSymbolicLink(origin.data.resolve("escape"), origin.outside);
        TestOrigin.RawResponse response = origin.raw("/escape/canary.txt");
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.wireText()).doesNotContain(origin.canary);
    }

    @Test
    void aRelativeSymlinkClimbingOutIsNotFound() throws IOException {
        Files.createSymbolicLink(origin.data.resolve("public/up.txt"), Path.of("../../outside/canary.txt"));
        TestOrigin.RawResponse response = origin.raw("/public/up.txt");
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.wireText()).doesNotContain(origin.canary);
    }

    @Test
    void aSymlinkStayingInsideTheDataDirectoryIsServed() throws IOException {
        Files.createSymbolicLink(origin.data.resolve("latest.txt"), origin.data.resolve("public/page.txt"));
        TestOrigin.RawResponse response = origin.raw("/latest.txt");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).isEqualTo("public page");
    }

    @Test
    void neitherTheRootNorADirectoryIsEverListed() throws IOException {
        TestOrigin.RawResponse root = origin.raw("/");
        TestOrigin.RawResponse directory = origin.raw("/public/");
        assertThat(root.status()).isEqualTo(404);
        assertThat(directory.status()).isEqualTo(404);
        assertThat(directory.bodyText()).doesNotContain("page.txt\"");
    }
}
