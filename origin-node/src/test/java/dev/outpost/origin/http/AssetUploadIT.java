package dev.outpost.origin.http;

import static dev.outpost.origin.http.AssetApiFixture.OCTETS;
import static dev.outpost.origin.http.AssetApiFixture.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.wire.ErrorBody;
import dev.outpost.origin.assets.AssetInfo;
import dev.outpost.origin.http.AssetApiFixture.Answer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssetUploadIT {
    private static final long LIMIT = 64 * 1024;

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
    void putCreatesWith201ThenReplacesWith200() throws Exception {
        origin = AssetApiFixture.start(tempDir);

        Answer created = origin.put("/css/site.css", "body { color: red }");
        assertThat(created.code()).isEqualTo(201);
        AssetInfo first = created.json(AssetInfo.class);
        assertThat(first.path()).isEqualTo("/css/site.css");
        assertThat(first.size()).isEqualTo(19);
        assertThat(first.digest()).isEqualTo("sha-256=:" + sha256Base64("body { color: red }") + ":");
        assertThat(first.etag()).startsWith("\"").endsWith("\"");
        assertThat(created.header("ETag")).isEqualTo(first.etag());
        assertThat(first.lastModified()).isNotNull();
        assertThat(origin.onDisk("css/site.css")).isEqualTo("body { color: red }");

        Answer replaced = origin.put("/css/site.css", "body { color: blue }");
        assertThat(replaced.code()).isEqualTo(200);
        AssetInfo second = replaced.json(AssetInfo.class);
        assertThat(second.etag()).isNotEqualTo(first.etag());
        assertThat(origin.onDisk("css/site.css")).isEqualTo("body { color: blue }");
        assertThat(origin.get("/css/site.css").json(AssetInfo.class)).isEqualTo(second);
        assertThat(origin.tempFiles()).isEmpty();
    }

    @Test
    void equalBytesGetEqualEtags() {
        origin = AssetApiFixture.start(tempDir);
        String a = origin.put("/a.txt", "same").json(AssetInfo.class).etag();
        String b = origin.put("/b/c.txt", "same").json(AssetInfo.class).etag();
        assertThat(a).isEqualTo(b);
    }

    @Test
    void missingParentDirectoriesAreCreatedInsideTheDataDirectory() {
        origin = AssetApiFixture.start(tempDir);
        assertThat(origin.put("/a/b/c/d.txt", "deep").code()).isEqualTo(201);
        assertThat(origin.onDisk("a/b/c/d.txt")).isEqualTo("deep");
    }

    @Test
    void aReaderSeesTheOldOrTheNewCopyNeverAHalfWrittenOne() throws Exception {
        origin = AssetApiFixture.start(tempDir);
        byte[] oldContent = bytes(1024 * 1024, 'o');
        byte[] newContent = bytes(1024 * 1024, 'n');
        assertThat(origin.put("/big.bin", oldContent).code()).isEqualTo(201);
        Path target = origin.data.resolve("big.bin");

        CountDownLatch halfSent = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        RequestBody pausedHalfway = new RequestBody() {
            @Override
            public MediaType contentType() {
                return OCTETS;
            }

            @Override
            public long contentLength() {
                return newContent.length;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                sink.write(newContent, 0, newContent.length / 2);
                sink.flush();
                halfSent.countDown();
                try {
                    resume.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                sink.write(newContent, newContent.length / 2, newContent.length - newContent.length / 2);
            }
        };
        // Own threads: the common pool may have a single thread on a small machine, and both tasks block.
        ExecutorService threads = Executors.newFixedThreadPool(2);
        Future<Answer> upload = threads.submit(
                () -> origin.call(origin.request("/big.bin").put(pausedHalfway).build()));
        assertThat(halfSent.await(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !origin.tempFiles().isEmpty());

        // Mid-upload: half the new bytes are on disk in the temp file, the master copy is still the old one.
        for (int i = 0; i < 20; i++) {
            assertThat(Files.readAllBytes(target)).isEqualTo(oldContent);
        }
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger torn = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        CountDownLatch reading = new CountDownLatch(1);
        Future<?> reader = threads.submit(() -> {
            while (!done.get()) {
                try {
                    byte[] seen = Files.readAllBytes(target);
                    reads.incrementAndGet();
                    reading.countDown();
                    if (!Arrays.equals(seen, oldContent) && !Arrays.equals(seen, newContent)) {
                        torn.incrementAndGet();
                    }
                } catch (IOException e) {
                    torn.incrementAndGet(); // a missing file would be a torn replace too
                }
            }
        });
        assertThat(reading.await(10, TimeUnit.SECONDS)).isTrue();
        resume.countDown(); // the reader keeps reading while the rest arrives and the rename happens
        assertThat(upload.get(20, TimeUnit.SECONDS).code()).isEqualTo(200);
        done.set(true);
        reader.get(10, TimeUnit.SECONDS);
        threads.shutdown();

        assertThat(torn.get()).as("reads that saw neither the old nor the new copy").isZero();
        assertThat(reads.get()).isPositive();
        assertThat(Files.readAllBytes(target)).isEqualTo(newContent);
        assertThat(origin.tempFiles()).isEmpty();
    }

    @Test
    void matchingReprDigestIsAccepted() {
        origin = AssetApiFixture.start(tempDir);
        Answer sha256 = origin.put("/a.js", "let a = 1;", "Repr-Digest", "sha-256=:" + sha256Base64("let a = 1;") + ":");
        assertThat(sha256.code()).isEqualTo(201);
        Answer sha512 = origin.put("/b.js", "let b = 2;",
                "Repr-Digest", "unknown-algo=:AAAA:, sha-512=:" + base64("SHA-512", "let b = 2;") + ":");
        assertThat(sha512.code()).isEqualTo(201);
        assertThat(origin.onDisk("b.js")).isEqualTo("let b = 2;");
    }

    @Test
    void mismatchedReprDigestIsRefusedAndTheOldCopyStays() {
        origin = AssetApiFixture.start(tempDir);
        AssetInfo old = origin.put("/app.js", "old").json(AssetInfo.class);

        Answer refused = origin.put("/app.js", "new", "Repr-Digest", "sha-256=:" + sha256Base64("other") + ":");

        assertThat(refused.code()).isEqualTo(400);
        assertThat(refused.json(ErrorBody.class).error()).isEqualTo("digest_mismatch");
        assertThat(origin.onDisk("app.js")).isEqualTo("old");
        assertThat(origin.get("/app.js").json(AssetInfo.class).etag()).isEqualTo(old.etag());
        assertThat(origin.tempFiles()).isEmpty();
    }

    @Test
    void reprDigestWithNoSupportedAlgorithmIsRefusedBeforeWriting() {
        origin = AssetApiFixture.start(tempDir);
        Answer refused = origin.put("/app.js", "new", "Repr-Digest", "md5=:" + base64("MD5", "new") + ":");
        assertThat(refused.code()).isEqualTo(400);
        assertThat(refused.json(ErrorBody.class).error()).isEqualTo("unsupported_digest");
        assertThat(origin.data.resolve("app.js")).doesNotExist();
    }

    @Test
    void contentMd5IsVerified() {
        origin = AssetApiFixture.start(tempDir);
        assertThat(origin.put("/a.txt", "v1", "Content-MD5", base64("MD5", "v1")).code()).isEqualTo(201);

        Answer refused = origin.put("/a.txt", "v2", "Content-MD5", base64("MD5", "v1"));

        assertThat(refused.code()).isEqualTo(400);
        assertThat(refused.json(ErrorBody.class).error()).isEqualTo("digest_mismatch");
        assertThat(refused.json(ErrorBody.class).message()).contains("Content-MD5");
        assertThat(origin.onDisk("a.txt")).isEqualTo("v1");
        assertThat(origin.tempFiles()).isEmpty();
    }

    @Test
    void declaredLengthAboveTheLimitIsRefusedBeforeTheBodyIsSent() throws Exception {
        origin = AssetApiFixture.start(tempDir, config -> config.withMaxUploadBytes(LIMIT));
        try (Socket socket = new Socket("127.0.0.1", origin.node.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // Only the head: the answer must come without a single body byte being sent.
            out.write(("PUT /_origin/assets/huge.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + AssetApiFixture.TOKEN + "\r\nContent-Length: " + (LIMIT + 1) + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer = new String(socket.getInputStream().readNBytes(200), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 413");
        }
        assertThat(origin.data.resolve("huge.bin")).doesNotExist();
        assertThat(origin.tempFiles()).isEmpty();
    }

    @Test
    void declaredLengthAboveTheLimitAnswers413ToAnOrdinaryClient() {
        origin = AssetApiFixture.start(tempDir, config -> config.withMaxUploadBytes(LIMIT));
        Answer refused = origin.put("/huge.bin", bytes((int) LIMIT + 1, 'x'), "Expect", "100-continue");
        assertThat(refused.code()).isEqualTo(413);
        assertThat(refused.json(ErrorBody.class).error()).isEqualTo("too_large");
        assertThat(origin.data.resolve("huge.bin")).doesNotExist();
    }

    @Test
    void aBodyExactlyAtTheLimitIsAccepted() {
        origin = AssetApiFixture.start(tempDir, config -> config.withMaxUploadBytes(LIMIT));
        assertThat(origin.put("/max.bin", bytes((int) LIMIT, 'x')).code()).isEqualTo(201);
    }

    @Test
    void chunkedBodyPassingTheLimitIsCutOffWith413AndLeavesNoTempFile() {
        origin = AssetApiFixture.start(tempDir, config -> config.withMaxUploadBytes(LIMIT));
        assertThat(origin.put("/stream.bin", "old").code()).isEqualTo(201);
        byte[] tooMuch = bytes((int) LIMIT * 2, 'x');
        RequestBody chunked = new RequestBody() {
            @Override
            public MediaType contentType() {
                return OCTETS;
            }

            @Override
            public long contentLength() {
                return -1; // no Content-Length: sent chunked, so only counting while streaming can catch it
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                for (int offset = 0; offset < tooMuch.length; offset += 8192) {
                    sink.write(tooMuch, offset, 8192);
                    sink.flush();
                }
            }
        };

        Answer refused = origin.call(origin.request("/stream.bin").put(chunked).build());

        assertThat(refused.code()).isEqualTo(413);
        assertThat(refused.json(ErrorBody.class).error()).isEqualTo("too_large");
        assertThat(origin.onDisk("stream.bin")).isEqualTo("old");
        assertThat(origin.tempFiles()).isEmpty();
    }

    @Test
    void aClientThatDisconnectsMidUploadLeavesNoTrace() throws Exception {
        origin = AssetApiFixture.start(tempDir);
        AssetInfo old = origin.put("/video.mp4", "old copy").json(AssetInfo.class);

        try (Socket socket = new Socket("127.0.0.1", origin.node.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("PUT /_origin/assets/video.mp4 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + AssetApiFixture.TOKEN + "\r\nContent-Length: 1000000\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes(300_000, 'n'));
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> !origin.tempFiles().isEmpty());
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> origin.tempFiles().isEmpty());
        assertThat(origin.onDisk("video.mp4")).isEqualTo("old copy");
        assertThat(origin.get("/video.mp4").json(AssetInfo.class).etag()).isEqualTo(old.etag());
    }

    @Test
    void uploadTempFilesLeftByAKilledOriginAreRemovedAtStartAndNeverServedOrListed() throws Exception {
        Path data = Files.createDirectories(tempDir.resolve("data"));
        Files.createDirectories(data.resolve("video"));
        Files.writeString(data.resolve(".outpost-upload-0a1b2c"), "half an upload");
        Files.writeString(data.resolve("video/.outpost-upload-3d4e5f"), "another half");
        Files.writeString(data.resolve("video/clip.mp4"), "a real asset");

        origin = AssetApiFixture.start(tempDir);

        assertThat(origin.tempFiles()).isEmpty();
        assertThat(origin.onDisk("video/clip.mp4")).isEqualTo("a real asset");
        Files.writeString(data.resolve("video/.outpost-upload-777"), "an upload in progress, as it were");
        assertThat(origin.raw("GET", "/video/.outpost-upload-777", new byte[0]).code()).isEqualTo(404);
        assertThat(origin.get("?prefix=/video/").text()).contains("/video/clip.mp4").doesNotContain("outpost-upload");
    }

    @Test
    void dotfilesCannotBeWritten() {
        origin = AssetApiFixture.start(tempDir);
        for (String path : new String[] {"/.env", "/a/.git/config", "/.outpost-upload-123"}) {
            Answer refused = origin.put(path, "secret");
            assertThat(refused.code()).as(path).isEqualTo(400);
            assertThat(refused.json(ErrorBody.class).error()).isEqualTo("hidden_path");
        }
        assertThat(AssetApiFixture.snapshot(origin.data)).containsOnlyKeys("");
    }

    @Test
    void aDirectoryInTheWayIsAConflict() throws Exception {
        origin = AssetApiFixture.start(tempDir);
        Files.createDirectories(origin.data.resolve("docs/guide"));
        Files.writeString(origin.data.resolve("file.txt"), "a file");

        Answer onDirectory = origin.put("/docs/guide", "x");
        Answer underFile = origin.put("/file.txt/child.txt", "x");

        assertThat(onDirectory.code()).isEqualTo(409);
        assertThat(onDirectory.json(ErrorBody.class).error()).isEqualTo("conflict");
        assertThat(underFile.code()).isEqualTo(409);
        assertThat(Files.isDirectory(origin.data.resolve("docs/guide"))).isTrue();
        assertThat(origin.onDisk("file.txt")).isEqualTo("a file");
    }

    private static String sha256Base64(String text) {
        return base64("SHA-256", text);
    }

    private static String base64(String algorithm, String text) {
        try {
            return Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
