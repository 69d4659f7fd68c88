package dev.outpost.origin;

import static dev.outpost.origin.TestOrigin.assertJsonError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Range requests: 206 with one range or multipart/byteranges, 416, If-Range, and the limits against abuse. */
class RangeRequestsIT {
    private static final int LENGTH = 10_000;
    private static final String LAST_MODIFIED = HttpDates.format(Instant.parse("2026-01-10T12:00:00Z"));

    @TempDir
    Path temp;
    TestOrigin origin;
    byte[] content;
    String etag;

    @BeforeEach
    void start() throws IOException {
        origin = TestOrigin.start(temp);
        content = new byte[LENGTH];
        new Random(7).nextBytes(content);
        origin.file("clip.mp4", content);
        etag = TestOrigin.expectedEtag(content);
    }

    @AfterEach
    void stop() {
        origin.close();
    }

    @Test
    void oneRangeIsPartialContentWithContentRange() throws IOException {
        try (Response response = origin.get("/clip.mp4", "Range", "bytes=0-9")) {
            assertPartial(response, 0, 9);
            assertThat(response.header("Content-Type")).isEqualTo("video/mp4");
            assertThat(response.header("ETag")).isEqualTo(etag);
            assertThat(response.header("Accept-Ranges")).isEqualTo("bytes");
        }
    }

    @Test
    void aSuffixRangeServesTheLastBytes() throws IOException {
        try (Response response = origin.get("/clip.mp4", "Range", "bytes=-500")) {
            assertPartial(response, LENGTH - 500, LENGTH - 1);
        }
    }

    @Test
    void anOpenRangeServesToTheEnd() throws IOException {
        try (Response response = origin.get("/clip.mp4", "Range", "bytes=100-")) {
            assertPartial(response, 100, LENGTH - 1);
        }
    }

    @Test
    void aRangePastTheEndIsClamped() throws IOException {
        try (Response response = origin.get("/clip.mp4", "Range", "bytes=9990-99999")) {
            assertPartial(response, 9990, LENGTH - 1);
        }
    }

    @Test
    void severalRangesAreSentAsMultipartByteranges() throws IOException {
        try (Response response = origin.get("/clip.mp4", "Range", "bytes=0-99,5000-5099,-100")) {
            assertThat(response.code()).isEqualTo(206);
            assertThat(response.header("Content-Range")).isNull();
            String contentType = response.header("Content-Type");
            assertThat(contentType).startsWith("multipart/byteranges; boundary=");
            byte[] body = response.body().bytes();
            assertThat(response.header("Content-Length")).isEqualTo(String.valueOf(body.length));
            List<Part> parts = Part.parseAll(body, contentType.substring(contentType.indexOf("boundary=") + 9));
            assertThat(parts).hasSize(3);
            assertPart(parts.get(0), 0, 99);
            assertPart(parts.get(1), 5000, 5099);
            assertPart(parts.get(2), LENGTH - 100, LENGTH - 1);
        }
    }

    @Test
    void partsComeInTheOrderTheClientAskedFor() throws IOException {
        try (Response response = origin.get("/clip.mp4", "Range", "bytes=5000-5099,0-99")) {
            assertThat(response.code()).isEqualTo(206);
            String contentType = response.header("Content-Type");
            List<Part> parts = Part.parseAll(response.body().bytes(),
                    contentType.substring(contentType.indexOf("boundary=") + 9));
            assertThat(parts).hasSize(2);
            assertPart(parts.get(0), 5000, 5099);
            assertPart(parts.get(1), 0, 99);
        }
    }

    @Test
    void overlappingRangesAreCoalescedSoNoByteIsSentTwice() throws IOException {
        String header = "bytes=" + IntStream.range(0, 50).mapToObj(i -> "0-" + (1000 + i))
                .collect(Collectors.joining(","));
        try (Response response = origin.get("/clip.mp4", "Range", header)) {
            assertPartial(response, 0, 1049);
        }
    }

    @Test
    void moreRangesThanAllowedAreIgnored() throws IOException {
        String header = "bytes=" + IntStream.range(0, 101).mapToObj(i -> (i * 99) + "-" + (i * 99))
                .collect(Collectors.joining(","));
        try (Response response = origin.get("/clip.mp4", "Range", header)) {
            assertWhole(response);
        }
    }

    @Test
    void manySmallRangesNeverMakeTheResponseLargerThanTheFile() throws IOException {
        // 100 one-byte ranges, 90 bytes apart (too far to coalesce): their part headers alone outweigh the file.
        String header = "bytes=" + IntStream.range(0, 100).mapToObj(i -> (i * 90) + "-" + (i * 90))
                .collect(Collectors.joining(","));
        try (Response response = origin.get("/clip.mp4", "Range", header)) {
            assertWhole(response);
        }
    }

    @Test
    void anUnsatisfiableRangeIs416WithTheCompleteLength() throws IOException {
        try (Response response = origin.get("/clip.mp4", "Range", "bytes=10000-")) {
            assertThat(response.code()).isEqualTo(416);
            assertThat(response.header("Content-Range")).isEqualTo("bytes */" + LENGTH);
            assertJsonError(response.body().string(), "range_not_satisfiable");
        }
    }

    @Test
    void otherUnitsAndInvalidRangesAreIgnored() throws IOException {
        for (String header : List.of("items=0-9", "bytes=9-0", "bytes=abc", "bytes=0-9;x")) {
            try (Response response = origin.get("/clip.mp4", "Range", header)) {
                assertWhole(response);
            }
        }
    }

    @Test
    void ifRangeWithTheCurrentEtagHonoursTheRange() throws IOException {
        try (Response response = origin.get("/clip.mp4", "Range", "bytes=0-9", "If-Range", etag)) {
            assertPartial(response, 0, 9);
        }
    }

    @Test
    void ifRangeWithAnOldEtagServesTheWholeCurrentFile() throws IOException {
        try (Response response = origin.get("/clip.mp4", "Range", "bytes=0-9", "If-Range", "\"old\"")) {
            assertWhole(response);
        }
    }

    @Test
    void ifRangeWithTheExactLastModifiedHonoursTheRangeAndAnyOtherDateDoesNot() throws IOException {
        try (Response exact = origin.get("/clip.mp4", "Range", "bytes=0-9", "If-Range", LAST_MODIFIED);
                Response later = origin.get("/clip.mp4", "Range", "bytes=0-9", "If-Range",
                        HttpDates.format(Instant.parse("2026-01-10T12:00:01Z")))) {
            assertPartial(exact, 0, 9);
            assertWhole(later);
        }
    }

    @Test
    void headIgnoresRangeAndDescribesTheWholeFile() throws IOException {
        try (Response response = origin.head("/clip.mp4", "Range", "bytes=0-9")) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.header("Content-Length")).isEqualTo(String.valueOf(LENGTH));
        }
    }

    @Test
    void aMatchingIfNoneMatchWinsOverRange() throws IOException {
        try (Response response = origin.get("/clip.mp4", "Range", "bytes=0-9", "If-None-Match", etag)) {
            assertThat(response.code()).isEqualTo(304);
        }
    }

    private void assertPartial(Response response, int first, int last) throws IOException {
        assertThat(response.code()).isEqualTo(206);
        assertThat(response.header("Content-Range")).isEqualTo("bytes " + first + "-" + last + "/" + LENGTH);
        assertThat(response.header("Content-Length")).isEqualTo(String.valueOf(last - first + 1));
        assertThat(response.body().bytes()).isEqualTo(Arrays.copyOfRange(content, first, last + 1));
    }

    private void assertWhole(Response response) throws IOException {
        assertThat(response.code()).isEqualTo(200);
        assertThat(response.header("Content-Range")).isNull();
        assertThat(response.body().bytes()).isEqualTo(content);
    }

    private void assertPart(Part part, int first, int last) {
        assertThat(part.headers()).containsEntry("content-type", "video/mp4")
                .containsEntry("content-range", "bytes " + first + "-" + last + "/" + LENGTH);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(content, first, last + 1));
    }

    /** One part of a multipart/byteranges body, parsed independently of the server's code. */
    private record Part(Map<String, String> headers, byte[] body) {
        static List<Part> parseAll(byte[] body, String boundary) {
            // ISO-8859-1 maps each byte to one char, so offsets in the text are offsets in the body.
            String text = new String(body, StandardCharsets.ISO_8859_1);
            String delimiter = "--" + boundary;
            assertThat(text).startsWith(delimiter + "\r\n").endsWith("\r\n" + delimiter + "--\r\n");
            List<Part> parts = new ArrayList<>();
            int at = 0;
            while (text.startsWith(delimiter + "\r\n", at)) {
                int headersStart = at + delimiter.length() + 2;
                int headersEnd = text.indexOf("\r\n\r\n", headersStart);
                Map<String, String> headers = new LinkedHashMap<>();
                for (String line : text.substring(headersStart, headersEnd).split("\r\n")) {
                    int colon = line.indexOf(':');
                    headers.put(line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
                }
                int next = text.indexOf("\r\n" + delimiter, headersEnd + 4);
                parts.add(new Part(headers, Arrays.copyOfRange(body, headersEnd + 4, next)));
                at = next + 2;
            }
            return parts;
        }
    }
}
