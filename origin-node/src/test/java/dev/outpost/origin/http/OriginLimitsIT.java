package dev.outpost.origin.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.config.ConfigException;
import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.http.ServerLimits;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import dev.outpost.testkit.Scrape;
import dev.outpost.testkit.SlowReaders;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The origin's listener limits come from {@code limits} in its config and are enforced on a real socket: a head
 * above {@code limits.maxHeaderBytes} is refused, a reader that stops reading a large file is cut off after
 * {@code limits.idleTimeout}; bad values fail naming the key.
 */
class OriginLimitsIT {
    @TempDir
    Path data;

    @Test
    void configuredLimitsAreReadAndEnforced() throws Exception {
        Files.writeString(data.resolve("small.txt"), "hello");
        Files.write(data.resolve("big.bin"), new byte[32 * 1024 * 1024]);
        OriginConfig config = parse("""
                listen: 127.0.0.1:0
                data: %s
                limits: {maxHeaderBytes: 2048, idleTimeout: 1s, requestParseTimeout: 2s, maxConnections: 50}
                """.formatted(data));
        assertThat(config.limits().serverLimits()).isEqualTo(
                new ServerLimits(2048, Duration.ofSeconds(2), Duration.ofSeconds(1), 0, 0, 50));

        OkHttpClient http = new OkHttpClient();
        try (OriginNode origin = OriginNode.start(config)) {
            assertThat(statusLine(origin, "GET /small.txt HTTP/1.1\r\nHost: o\r\n\r\n")).contains(" 200 ");
            String bigHead = "GET /small.txt HTTP/1.1\r\nHost: o\r\nX-Padding: " + "a".repeat(3000) + "\r\n\r\n";
            assertThat(statusLine(origin, bigHead)).doesNotContain(" 200 ");

            // The small file's GET is counted once its exchange ended, which can be just after its answer came.
            await().atMost(Duration.ofSeconds(10)).until(() -> contentAnswers(origin, http) == 1);
            try (Socket reader = new Socket()) {
                reader.setReceiveBufferSize(4096);
                reader.connect(new InetSocketAddress("127.0.0.1", origin.port()), 2000);
                reader.getOutputStream().write("GET /big.bin HTTP/1.1\r\nHost: o\r\n\r\n".getBytes(US_ASCII));
                // Reading now would be progress: read nothing until the origin has ended the answer. It gives up
                // 1-2 × idleTimeout after its writes stall on the full socket buffers, but when that is depends
                // on how fast it filled them and how late its IO thread's timer runs: a fixed wait (it was
                // 3 × idleTimeout) races both on a loaded machine. The answer is counted once it ends.
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> contentAnswers(origin, http) == 2);
                long got = SlowReaders.drainUntilClosed(reader, Duration.ofSeconds(5), "origin");
                assertThat(got).as("bytes a stalled reader got before the origin gave up").isLessThan(32L << 20);
            }
            assertThat(statusLine(origin, "GET /small.txt HTTP/1.1\r\nHost: o\r\n\r\n")).contains(" 200 ");
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    @Test
    void badLimitsFailNamingTheKey() {
        assertThatThrownBy(() -> parse("data: %s\nlimits: {maxHeaderBytes: 100}\n".formatted(data)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("at 'limits': maxHeaderBytes must be >= 1024");
        assertThatThrownBy(() -> parse("data: %s\nlimits: {idleTimeout: 0s}\n".formatted(data)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("at 'limits': idleTimeout must be > 0");
        assertThatThrownBy(() -> parse("data: %s\nlimits: {maxConnection: 5}\n".formatted(data)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("maxConnection");
    }

    /** Content GETs answered 200 so far, counted when their exchange ends (whole, or given up on). */
    private static double contentAnswers(OriginNode origin, OkHttpClient http) {
        return Scrape.of(http, URI.create(origin.baseUri() + "/_origin/metrics")).sum("origin_requests_seconds_count",
                "method", "GET", "route", "content", "status", "200");
    }

    private static OriginConfig parse(String yaml) {
        return ConfigFiles.parse("origin.yml", yaml.getBytes(UTF_8), OriginConfig.class);
    }

    private static String statusLine(OriginNode origin, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", origin.port()), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(US_ASCII));
            byte[] buf = new byte[256];
            int n = s.getInputStream().read(buf);
            return n <= 0 ? "(closed)" : new String(buf, 0, n, US_ASCII).lines().findFirst().orElse("");
        } catch (IOException reset) {
            return "(reset)";
        }
    }
}
