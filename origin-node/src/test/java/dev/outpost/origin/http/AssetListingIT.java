package dev.outpost.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.ErrorBody;
import dev.outpost.origin.assets.AssetInfo;
import dev.outpost.origin.assets.AssetListing;
import dev.outpost.origin.http.AssetApiFixture.Answer;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AssetListingIT {
    @TempDir
    Path tempDir;
    private AssetApiFixture origin;

    @BeforeEach
    void start() {
        origin = AssetApiFixture.start(tempDir);
    }

    @AfterEach
    void stop() {
        origin.close();
    }

    @Test
    void listsEveryAssetSortedByPathWithMetadata() throws IOException {
        write("index.html", "b/two.txt", "a/one.txt", "a-b.txt");

        AssetListing.Page page = list("");

        assertThat(paths(page)).containsExactly("/a-b.txt", "/a/one.txt", "/b/two.txt", "/index.html");
        assertThat(page.next()).isEmpty();
        AssetInfo one = page.items().get(1);
        assertThat(one.size()).isEqualTo("a/one.txt".length());
        assertThat(one).isEqualTo(origin.get("/a/one.txt").json(AssetInfo.class));
    }

    @Test
    void paginatesAcrossPagesWithTheCursor() throws IOException {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String name = String.format("d%d/file-%02d.txt", i % 3, i);
            write(name);
            expected.add("/" + name);
        }
        expected.sort(null);

        List<String> seen = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String query = "?limit=10";
        for (int pages = 0; pages < 10; pages++) {
            AssetListing.Page page = list(query);
            seen.addAll(paths(page));
            pageSizes.add(page.items().size());
            if (page.next().isEmpty()) {
                break;
            }
            assertThat(page.next()).contains(seen.get(seen.size() - 1));
            query = "?limit=10&after=" + URLEncoder.encode(page.next().get(), StandardCharsets.UTF_8);
        }

        assertThat(pageSizes).containsExactly(10, 10, 5);
        assertThat(seen).isEqualTo(expected);
    }

    @Test
    void aFullLastPageStillEndsWithoutCursorAfterIt() throws IOException {
        write("a.txt", "b.txt");
        AssetListing.Page page = list("?limit=2");
        assertThat(paths(page)).containsExactly("/a.txt", "/b.txt");
        assertThat(page.next()).isEmpty();
    }

    @Test
    void defaultLimitIs100() throws IOException {
        for (int i = 0; i < 101; i++) {
            write(String.format("f%03d.txt", i));
        }
        AssetListing.Page page = list("");
        assertThat(page.items()).hasSize(100);
        assertThat(page.next()).contains("/f099.txt");
        assertThat(paths(list("?after=/f099.txt"))).containsExactly("/f100.txt");
    }

    @Test
    void prefixSelectsASubtreeWithOrWithoutLeadingSlash() throws IOException {
        write("css/a.css", "css/sub/b.css", "cssx.txt", "js/app.js");

        assertThat(paths(list("?prefix=/css/"))).containsExactly("/css/a.css", "/css/sub/b.css");
        assertThat(paths(list("?prefix=css/"))).containsExactly("/css/a.css", "/css/sub/b.css");
        assertThat(paths(list("?prefix=/css"))).containsExactly("/css/a.css", "/css/sub/b.css", "/cssx.txt");
        assertThat(paths(list("?prefix=/nothing"))).isEmpty();
    }

    @Test
    void dotfilesTempFilesAndEscapingSymlinksAreNeverListed() throws IOException {
        write("ok.txt", ".env", ".git/config", "a/.hidden.txt", "a/.outpost-upload-1234", "a/visible.txt");
        Files.createSymbolicLink(origin.data.resolve("escape.txt"), origin.outside.resolve("secret.txt"));
        Files.createSymbolicLink(origin.data.resolve("escape-dir"), origin.outside);
        Files.createSymbolicLink(origin.data.resolve("dangling.txt"), origin.data.resolve("gone.txt"));
        Files.createSymbolicLink(origin.data.resolve("alias.txt"), origin.data.resolve("ok.txt"));

        assertThat(paths(list(""))).containsExactly("/a/visible.txt", "/alias.txt", "/ok.txt");
    }

    @ParameterizedTest
    @ValueSource(strings = {"?limit=0", "?limit=1001", "?limit=ten", "?limit=-1", "?limit="})
    void badLimitIs400NamingTheParameter(String query) {
        Answer answer = origin.get(query);
        assertThat(answer.code()).isEqualTo(400);
        ErrorBody error = answer.json(ErrorBody.class);
        assertThat(error.error()).isEqualTo("bad_parameter");
        assertThat(error.message()).contains("limit");
    }

    @Test
    void unknownOrRepeatedParametersAre400() {
        assertThat(origin.get("?prefx=/css").json(ErrorBody.class).message()).contains("prefx");
        assertThat(origin.get("?limit=1&limit=2").code()).isEqualTo(400);
    }

    @Test
    void theMaximumLimitIsAccepted() throws IOException {
        write("a.txt");
        assertThat(origin.get("?limit=1000").code()).isEqualTo(200);
    }

    @Test
    void emptyDataDirectoryListsNothing() {
        Answer answer = origin.get("");
        assertThat(answer.code()).isEqualTo(200);
        assertThat(answer.text()).isEqualTo("{\"items\":[],\"next\":null}");
        assertThat(origin.get("/").text()).isEqualTo("{\"items\":[],\"next\":null}");
    }

    private AssetListing.Page list(String query) {
        Answer answer = origin.get(query);
        assertThat(answer.code()).as(answer.text()).isEqualTo(200);
        return answer.json(AssetListing.Page.class);
    }

    private static List<String> paths(AssetListing.Page page) {
        return page.items().stream().map(AssetInfo::path).toList();
    }

    private void write(String... relatives) throws IOException {
        for (String relative : relatives) {
            Path file = origin.data.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.writeString(file, relative);
        }
    }
}
