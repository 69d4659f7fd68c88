package dev.outpost.origin.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.http.ServerLimits;
import dev.outpost.common.http.ranges.ByteRange;
import dev.outpost.common.http.ranges.MultipartByteranges;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import dev.outpost.origin.content.MasterStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that read large files slowly (an edge streaming to slow viewers) do not hold the origin's worker
 * threads: with four times as many stalled readers as workers, other clients (other edges' misses, uploads, health
 * checks) are still answered, and every stalled reader, once it reads again, gets exactly its Content-Length of the
 * right bytes.
 */
class SlowReadersIT {
    private static final String TOKEN = "slow-readers-token";
    private static final int WORKERS = 4;
    private static final int SLOW_READERS = 4 * WORKERS;
    private static final int BIG_BYTES = 48 * 1024 * 1024;

    @TempDir
    Path data;

    private OriginNode origin;
    private OkHttpClient client;
    private Path big;

    @BeforeEach
    void start() throws IOException {
        big = data.resolve("video.bin");
        byte[] chunk = new byte[1024 * 1024];
        Random random = new Random(7);
        try (OutputStream out = Files.newOutputStream(big)) {
            for (int i = 0; i < BIG_BYTES / chunk.length; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        Files.writeString(data.resolve("small.txt"), "small and quick");
        ServerLimits limits = new ServerLimits(16 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(60), 1,
                WORKERS);
        origin = OriginNode.start(OriginConfig.of(data.toString()).withListen("127.0.0.1:0").withApiToken(TOKEN),
                Clock.systemUTC(), limits);
        // Generous: the point is that they complete at all, not how fast.
        client = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(40)).build();
    }

    @AfterEach
    void stop() {
        origin.close();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    @Test
    void stalledReadersOfALargeFileDoNotStarveOtherClients() throws Exception {
        try (Response warm = call(new Request.Builder().url(url("/video.bin")).head())) {
            assertThat(warm.code()).isEqualTo(200); // the digest is computed once, before the readers arrive
        }
        List<StalledReader> readers = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW_READERS; i++) {
                String range = switch (i % 3) {
                    case 0 -> null;
                    case 1 -> "bytes=1000000-";
                    default -> "bytes=0-99,2000000-";
                };
                readers.add(StalledReader.open(origin.port(), range));
            }
            // Every reader has its response head and 64 KiB of body, then reads nothing: a server copying with
            // blocking writes now has a worker stuck in each of their full sockets.
            for (StalledReader reader : readers) {
                reader.readHeadAndSome();
            }

            List<CompletableFuture<Integer>> others = new ArrayList<>();
            for (int i = 0; i < 3 * WORKERS; i++) {
                int n = i;
                others.add(CompletableFuture.supplyAsync(() -> switch (n % 4) {
                    case 0 -> status(new Request.Builder().url(url("/small.txt")));
                    case 1 -> status(new Request.Builder().url(url("/video.bin")).header("Range", "bytes=0-65535"));
                    case 2 -> status(new Request.Builder().url(url("/_origin/health")));
                    default -> status(new Request.Builder().url(url("/_origin/assets/other-edge-" + n + ".txt"))
                            .header("Authorization", "Bearer " + TOKEN)
                            .put(RequestBody.create("written while readers stall", MediaType.get("text/plain"))));
                }));
            }
            for (CompletableFuture<Integer> other : others) {
                assertThat(other.get()).isIn(200, 201, 206);
            }

            for (StalledReader reader : readers) {
                reader.readRest();
                assertThat(reader.bodyBytes).as("body bytes of " + reader.describe())
                        .isEqualTo(reader.contentLength);
                assertThat(reader.bodyDigest()).as("body of " + reader.describe())
                        .isEqualTo(expectedDigest(reader));
            }
        } finally {
            for (StalledReader reader : readers) {
                reader.socket.close();
            }
        }
    }

    @Test
    void aReaderThatGoesAwayMidBodyReleasesTheOpenFile() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc to see open files");
        StalledReader reader = StalledReader.open(origin.port(), null);
        reader.readHeadAndSome();
        assertThat(openDescriptorsOf(big)).as("the answer holds the file open").isPositive();
        reader.socket.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> openDescriptorsOf(big) == 0);
        assertThat(status(new Request.Builder().url(url("/small.txt")))).isEqualTo(200);
    }

    private static long openDescriptorsOf(Path file) throws IOException {
        Path real = file.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(real);
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }

    /** The digest of what the reader should have received, built from the file on disk. */
    private String expectedDigest(StalledReader reader) throws IOException {
        MessageDigest sha256 = MasterStore.sha256();
        List<MultipartByteranges.Piece> pieces;
        if (reader.range == null) {
            pieces = List.of(new MultipartByteranges.Piece.Part(new ByteRange(0, BIG_BYTES - 1)));
        } else if (reader.range.contains(",")) {
            String boundary = reader.contentType.substring(reader.contentType.indexOf("boundary=") + 9);
            pieces = MultipartByteranges.of(List.of(new ByteRange(0, 99),
                    new ByteRange(2000000, BIG_BYTES - 1)), "application/octet-stream", BIG_BYTES,
                    boundary).pieces();
        } else {
            pieces = List.of(new MultipartByteranges.Piece.Part(new ByteRange(1000000, BIG_BYTES - 1)));
        }
        try (FileChannel file = FileChannel.open(big)) {
            for (MultipartByteranges.Piece piece : pieces) {
                switch (piece) {
                    case MultipartByteranges.Piece.Text text -> sha256.update(text.bytes());
                    case MultipartByteranges.Piece.Part part -> {
                        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
                        for (long at = part.range().first(); at <= part.range().last(); ) {
                            buffer.clear().limit((int) Math.min(buffer.capacity(), part.range().last() + 1 - at));
                            at += file.read(buffer, at);
                            sha256.update(buffer.flip());
                        }
                    }
                }
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private int status(Request.Builder request) {
        try (Response response = call(request)) {
            response.body().bytes();
            return response.code();
        } catch (IOException e) {
            throw new AssertionError(request.build().method() + " " + request.build().url() + " failed: " + e, e);
        }
    }

    private Response call(Request.Builder request) throws IOException {
        return client.newCall(request.build()).execute();
    }

    private String url(String path) {
        return origin.baseUri() + path;
    }

    /** A raw client with a small receive buffer that reads a response head and a little body, then stalls. */
    private static final class StalledReader {
        final Socket socket;
        final String range;
        final MessageDigest body = MasterStore.sha256();
        long contentLength = -1;
        String contentType = "";
        long bodyBytes;

        private StalledReader(Socket socket, String range) {
            this.socket = socket;
            this.range = range;
        }

        static StalledReader open(int port, String range) throws IOException {
            Socket socket = new Socket();
            socket.setReceiveBufferSize(8 * 1024);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(40_000);
            String request = "GET /video.bin HTTP/1.1\r\nHost: origin.test\r\nConnection: close\r\n"
                    + (range == null ? "" : "Range: " + range + "\r\n") + "\r\n";
            socket.getOutputStream().write(request.getBytes(US_ASCII));
            return new StalledReader(socket, range);
        }

        void readHeadAndSome() throws IOException {
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                assertThat(c).as("response head of " + describe() + " ended early").isNotNegative();
                head.append((char) c);
            }
            assertThat(head.toString()).startsWith(range == null ? "HTTP/1.1 200" : "HTTP/1.1 206");
            for (String line : head.toString().split("\r\n")) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    contentLength = Long.parseLong(line.substring(15).strip());
                } else if (lower.startsWith("content-type:")) {
                    contentType = line.substring(13).strip();
                }
            }
            read(in, 64 * 1024);
        }

        void readRest() throws IOException {
            read(socket.getInputStream(), Long.MAX_VALUE);
        }

        private void read(InputStream in, long atMost) throws IOException {
            byte[] buffer = new byte[64 * 1024];
            long goal = bodyBytes + atMost < 0 ? Long.MAX_VALUE : bodyBytes + atMost;
            while (bodyBytes < goal) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, goal - bodyBytes));
                if (n < 0) {
                    return;
                }
                body.update(buffer, 0, n);
                bodyBytes += n;
            }
        }

        String bodyDigest() {
            return HexFormat.of().formatHex(body.digest());
        }

        String describe() {
            return "GET /video.bin" + (range == null ? "" : " Range: " + range);
        }
    }
}
