package dev.outpost.origin;

import static dev.outpost.origin.TestOrigin.assertJsonError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.origin.OriginConfig.Defaults;
import dev.outpost.origin.content.PathRule;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** GET and HEAD of master copies: headers, content types, caching rules, what is never served, methods. */
class ContentServingIT {
    private static final byte[] HELLO = "hello, outpost\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path temp;
    TestOrigin origin;

    @BeforeEach
    void start() throws IOException {
        origin = TestOrigin.start(temp,
                List.of(rule("/assets/**", "public, max-age=31536000, immutable", "static"),
                        rule("/assets/special/**", "no-store", "never-reached"),
                        rule("**/*.html", "no-cache", "html pages")),
                new Defaults(Optional.of("public, max-age=60"), List.of("site")));
    }

    @AfterEach
    void stop() {
        origin.close();
    }

    @Test
    void getServesTheFileWithEveryHeader() throws IOException {
        origin.file("assets/hello.txt", HELLO);
        try (Response response = origin.get("/assets/hello.txt")) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.body().bytes()).isEqualTo(HELLO);
            assertThat(response.header("ETag")).isEqualTo(TestOrigin.expectedEtag(HELLO)).doesNotStartWith("W/");
            assertThat(response.header("Last-Modified")).isEqualTo("Sat, 10 Jan 2026 12:00:00 GMT");
            assertThat(response.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
            assertThat(response.header("Content-Length")).isEqualTo(String.valueOf(HELLO.length));
            assertThat(response.header("Accept-Ranges")).isEqualTo("bytes");
            assertThat(response.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
            assertThat(response.header("Surrogate-Key")).isEqualTo("static");
            assertThat(response.header("Repr-Digest")).isEqualTo("sha-256=:" + TestOrigin.sha256Base64(HELLO) + ":");
        }
    }

    @Test
    void headSendsWhatGetWouldWithoutTheBody() throws IOException {
        origin.file("hello.txt", HELLO);
        TestOrigin.RawResponse get = origin.raw("GET", "/hello.txt");
        TestOrigin.RawResponse head = origin.raw("HEAD", "/hello.txt");
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().get("content-length")).isEqualTo(String.valueOf(HELLO.length));
        for (String name : List.of("etag", "last-modified", "content-type", "accept-ranges", "cache-control",
                "surrogate-key", "repr-digest")) {
            assertThat(head.headers().get(name)).as(name).isNotNull().isEqualTo(get.headers().get(name));
        }
    }

    @Test
    void equalContentHasEqualEtagsAndChangedContentANewOne() throws IOException {
        origin.file("a.txt", "same");
        origin.file("b.txt", "same");
        String before;
        try (Response a = origin.get("/a.txt"); Response b = origin.get("/b.txt")) {
            before = a.header("ETag");
            assertThat(b.header("ETag")).isEqualTo(before);
        }
        origin.file("a.txt", "changed");
        try (Response a = origin.get("/a.txt")) {
            assertThat(a.body().string()).isEqualTo("changed");
            assertThat(a.header("ETag")).isNotEqualTo(before);
        }
    }

    @ParameterizedTest
    @CsvSource({
            "index.html, text/html; charset=utf-8", "site.css, text/css; charset=utf-8",
            "app.js, text/javascript; charset=utf-8", "data.json, application/json", "logo.svg, image/svg+xml",
            "photo.PNG, image/png", "photo.jpg, image/jpeg", "module.wasm, application/wasm",
            "clip.mp4, video/mp4", "font.woff2, font/woff2", "archive.xyz, application/octet-stream",
            "README, application/octet-stream"
    })
    void contentTypeFollowsTheExtension(String name, String contentType) throws IOException {
        origin.file("files/" + name, "x");
        try (Response response = origin.get("/files/" + name)) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.header("Content-Type")).isEqualTo(contentType);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/assets/app.js               | public, max-age=31536000, immutable | static",
            "/assets/special/x.js         | public, max-age=31536000, immutable | static",
            "/docs/index.html             | no-cache                            | html pages",
            "/index.html                  | no-cache                            | html pages",
            "/robots.txt                  | public, max-age=60                  | site"
    })
    void theFirstMatchingRuleDecidesCachingHeadersElseTheDefault(String path, String cacheControl,
            String surrogateKey) throws IOException {
        origin.file(path.substring(1), "x");
        try (Response response = origin.get(path)) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.header("Cache-Control")).isEqualTo(cacheControl);
            assertThat(response.header("Surrogate-Key")).isEqualTo(surrogateKey);
        }
    }

    @Test
    void withoutRulesOrDefaultsNoCachingHeadersAreSent(@TempDir Path other) throws IOException {
        try (TestOrigin plain = TestOrigin.start(other)) {
            plain.file("a.txt", "x");
            try (Response response = plain.get("/a.txt")) {
                assertThat(response.code()).isEqualTo(200);
                assertThat(response.header("Cache-Control")).isNull();
                assertThat(response.header("Surrogate-Key")).isNull();
            }
        }
    }

    @Test
    void aQueryStringDoesNotChangeWhichFileIsServed() throws IOException {
        origin.file("app.js", "code");
        try (Response response = origin.get("/app.js?v=123")) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.body().string()).isEqualTo("code");
        }
    }

    @Test
    void percentEncodedNamesAreDecodedOnce() throws IOException {
        origin.file("hello world.txt", "spaced");
        origin.file("%41.txt", "literal percent");
        try (Response spaced = origin.get("/hello%20world.txt"); Response literal = origin.get("/%2541.txt")) {
            assertThat(spaced.body().string()).isEqualTo("spaced");
            assertThat(literal.body().string()).isEqualTo("literal percent");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/missing.txt", "/.env", "/config/.secret", "/.git/config", "/assets", "/assets/",
            "/"})
    void missingFilesDotfilesAndDirectoriesAreNotFound(String path) throws IOException {
        origin.file(".env", "SECRET=1");
        origin.file("config/.secret", "SECRET=2");
        origin.file(".git/config", "SECRET=3");
        origin.file("assets/app.js", "x");
        try (Response response = origin.get(path)) {
            assertThat(response.code()).isEqualTo(404);
            assertThat(response.header("Content-Type")).isEqualTo("application/json");
            String body = response.body().string();
            assertJsonError(body, "not_found");
            assertThat(body).doesNotContain("SECRET", "app.js\",");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
    void onlyGetAndHeadAreAllowed(String method) throws IOException {
        origin.file("a.txt", "x");
        TestOrigin.RawResponse response = origin.raw(method, "/a.txt");
        assertThat(response.status()).isEqualTo(405);
        assertThat(response.headers().get("allow")).isEqualTo("GET, HEAD");
        assertJsonError(response.bodyText(), "method_not_allowed");
    }

    @Test
    void anEmptyFileIsServedWithZeroLength() throws IOException {
        origin.file("empty.txt", new byte[0]);
        try (Response response = origin.get("/empty.txt")) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.header("Content-Length")).isEqualTo("0");
            assertThat(response.body().bytes()).isEmpty();
        }
    }

    @Test
    void aLargeFileIsStreamedWhole() throws IOException {
        byte[] content = new byte[5 * 1024 * 1024 + 17];
        new Random(42).nextBytes(content);
        origin.file("big.bin", content);
        try (Response response = origin.get("/big.bin")) {
            assertThat(response.header("Content-Length")).isEqualTo(String.valueOf(content.length));
            assertThat(response.body().bytes()).isEqualTo(content);
        }
    }

    @Test
    void aFileThatShrinksWhileServedAbortsTheResponseInsteadOfEndingItShort() throws IOException {
        long size = 256L * 1024 * 1024;
        Path big = origin.file("shrinking.bin", new byte[0]);
        try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(size); // sparse: cheap to create and to read
        }
        try (Socket socket = new Socket("127.0.0.1", origin.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /shrinking.bin HTTP/1.1\r\nHost: origin.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").contains("Content-Length: " + size);
            // The server is now blocked on a full socket; cut the file under it, then read what still comes.
            try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
                file.setLength(1024 * 1024);
            }
            long received = in.transferTo(OutputStream.nullOutputStream());
            assertThat(received).as("body bytes before the server closed the connection").isLessThan(size);
        }
    }

    @Test
    void aFileThatGrowsWhileServedSendsExactlyTheCheckedLength() throws IOException {
        long size = 64L * 1024 * 1024;
        Path big = origin.file("growing.bin", new byte[0]);
        try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(size);
        }
        try (Socket socket = new Socket("127.0.0.1", origin.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /growing.bin HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            assertThat(readHead(in)).startsWith("HTTP/1.1 200").contains("Content-Length: " + size);
            try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
                file.setLength(2 * size);
            }
            assertThat(in.transferTo(OutputStream.nullOutputStream())).isEqualTo(size);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            assertThat(c).as("response head ended early").isNotNegative();
            head.append((char) c);
        }
        return head.toString();
    }

    private static PathRule rule(String match, String cacheControl, String tags) {
        return new PathRule(match, Optional.of(cacheControl), List.of(tags.split(" ")));
    }
}
