package dev.outpost.origin;

import static dev.outpost.origin.TestOrigin.assertJsonError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.origin.OriginConfig.Defaults;
import dev.outpost.origin.content.PathRule;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conditional GET and HEAD: 304 from If-None-Match / If-Modified-Since, 412 from If-Match / If-Unmodified-Since. */
class ConditionalRequestsIT {
    private static final String CONTENT = "conditional content";
    /** Last-Modified as sent: {@link TestOrigin#MODIFIED} truncated to the second. */
    private static final Instant LAST_MODIFIED = Instant.parse("2026-01-10T12:00:00Z");
    private static final String AT = HttpDates.format(LAST_MODIFIED);
    private static final String BEFORE = HttpDates.format(LAST_MODIFIED.minusSeconds(60));
    private static final String AFTER = HttpDates.format(LAST_MODIFIED.plusSeconds(60));

    @TempDir
    Path temp;
    TestOrigin origin;
    String etag;

    @BeforeEach
    void start() throws IOException {
        origin = TestOrigin.start(temp, List.of(new PathRule("/**", Optional.of("public, max-age=300"),
                List.of("all"))), Defaults.NONE);
        origin.file("page.txt", CONTENT);
        etag = TestOrigin.expectedEtag(CONTENT.getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        origin.close();
    }

    @Test
    void ifNoneMatchWithTheCurrentEtagIsNotModifiedWithValidatorsAndNoBody() throws IOException {
        TestOrigin.RawResponse response = origin.raw("GET", "/page.txt", "If-None-Match: " + etag);
        assertThat(response.status()).isEqualTo(304);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers()).containsEntry("etag", etag)
                .containsEntry("last-modified", AT)
                .containsEntry("cache-control", "public, max-age=300")
                .containsEntry("surrogate-key", "all");
        // RFC 9110 §8.6: a 304 may carry only the Content-Length a 200 would have (Undertow drops it on a GET).
        assertThat(response.headers().get("content-length")).isIn(null, String.valueOf(CONTENT.length()));
    }

    @Test
    void aNotModifiedHeadAlsoCarriesTheRealContentLength() throws IOException {
        TestOrigin.RawResponse response = origin.raw("HEAD", "/page.txt", "If-None-Match: " + etag);
        assertThat(response.status()).isEqualTo(304);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers()).containsEntry("content-length", String.valueOf(CONTENT.length()));
    }

    @Test
    void ifNoneMatchMatchesWeaklyInListsAndWithStar() throws IOException {
        for (String value : List.of("W/" + etag, "\"other\", " + etag, "*")) {
            try (Response response = origin.get("/page.txt", "If-None-Match", value)) {
                assertThat(response.code()).as(value).isEqualTo(304);
            }
        }
    }

    @Test
    void ifNoneMatchWithAnOldEtagServesTheFile() throws IOException {
        try (Response response = origin.get("/page.txt", "If-None-Match", "\"old\"")) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.body().string()).isEqualTo(CONTENT);
        }
    }

    @Test
    void headIsConditionalToo() throws IOException {
        try (Response response = origin.head("/page.txt", "If-None-Match", etag)) {
            assertThat(response.code()).isEqualTo(304);
        }
    }

    @Test
    void ifModifiedSinceAtOrAfterLastModifiedIsNotModified() throws IOException {
        for (String date : List.of(AT, AFTER)) {
            try (Response response = origin.get("/page.txt", "If-Modified-Since", date)) {
                assertThat(response.code()).as(date).isEqualTo(304);
                assertThat(response.header("ETag")).isEqualTo(etag);
            }
        }
    }

    @Test
    void ifModifiedSinceBeforeLastModifiedServesTheFile() throws IOException {
        try (Response response = origin.get("/page.txt", "If-Modified-Since", BEFORE)) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.body().string()).isEqualTo(CONTENT);
        }
    }

    @Test
    void anInvalidIfModifiedSinceIsIgnored() throws IOException {
        try (Response response = origin.get("/page.txt", "If-Modified-Since", "last tuesday")) {
            assertThat(response.code()).isEqualTo(200);
        }
    }

    @Test
    void ifModifiedSinceIsIgnoredWhenIfNoneMatchIsSent() throws IOException {
        try (Response response = origin.get("/page.txt", "If-None-Match", "\"old\"", "If-Modified-Since", AFTER)) {
            assertThat(response.code()).isEqualTo(200);
        }
    }

    @Test
    void ifMatchWithAnotherEtagFailsThePrecondition() throws IOException {
        try (Response response = origin.get("/page.txt", "If-Match", "\"other\"")) {
            assertThat(response.code()).isEqualTo(412);
            assertJsonError(response.body().string(), "precondition_failed");
        }
    }

    @Test
    void ifMatchComparesStrongly() throws IOException {
        try (Response strong = origin.get("/page.txt", "If-Match", etag);
                Response weak = origin.get("/page.txt", "If-Match", "W/" + etag);
                Response any = origin.get("/page.txt", "If-Match", "*")) {
            assertThat(strong.code()).isEqualTo(200);
            assertThat(weak.code()).isEqualTo(412);
            assertThat(any.code()).isEqualTo(200);
        }
    }

    @Test
    void ifUnmodifiedSinceBeforeLastModifiedFailsThePrecondition() throws IOException {
        try (Response before = origin.get("/page.txt", "If-Unmodified-Since", BEFORE);
                Response at = origin.get("/page.txt", "If-Unmodified-Since", AT)) {
            assertThat(before.code()).isEqualTo(412);
            assertJsonError(before.body().string(), "precondition_failed");
            assertThat(at.code()).isEqualTo(200);
        }
    }

    @Test
    void ifMatchIsEvaluatedBeforeIfNoneMatch() throws IOException {
        try (Response response = origin.get("/page.txt", "If-Match", "\"other\"", "If-None-Match", etag)) {
            assertThat(response.code()).isEqualTo(412);
        }
    }

    @Test
    void aChangedFileIsServedAgainToAClientHoldingTheOldEtag() throws IOException {
        origin.file("page.txt", "new content");
        try (Response response = origin.get("/page.txt", "If-None-Match", etag)) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.body().string()).isEqualTo("new content");
        }
    }

    @Test
    void aNotModifiedAnswerKeepsTheConnectionUsable() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", origin.port())) {
            socket.setSoTimeout(10_000);
            String twoRequests = "GET /page.txt HTTP/1.1\r\nHost: o\r\nIf-None-Match: " + etag + "\r\n\r\n"
                    + "GET /page.txt HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(twoRequests.getBytes(StandardCharsets.US_ASCII));
            String wire = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(wire).startsWith("HTTP/1.1 304").contains("HTTP/1.1 200").endsWith(CONTENT);
        }
    }
}
