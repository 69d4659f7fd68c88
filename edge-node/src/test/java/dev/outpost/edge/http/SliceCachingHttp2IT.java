package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.EdgeTls;
import dev.outpost.edge.tls.TestPki;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.internal.http2.ErrorCode;
import okhttp3.internal.http2.StreamResetException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sliced object that changes under a client reading it over HTTP/2: the client's stream is reset (RST_STREAM)
 * after the bytes of the version it started with, never completed with bytes of the next.
 */
class SliceCachingHttp2IT {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void aValidatorChangedMidDownloadResetsTheHttp2StreamAndNeverMixesVersions() throws Exception {
        long size = 40 * MIB;
        TestPki pki = new TestPki(dir.resolve("ca"), "Outpost CA");
        Path tlsDir = pki.provision(dir.resolve("edge-tls"), pki.identity(List.of(EdgeFixture.HOST),
                List.of(TestPki.loopback())));
        try (RangeOrigin origin = new RangeOrigin(size);
                EdgeFixture f = new EdgeFixture(c -> c.withTls(EdgeTls.in(tlsDir.toString())
                        .withListen("127.0.0.1:0")).withCache(CacheConfig.DEFAULTS.withSize(64 * MIB, 16 * MIB)),
                        List.of(origin.uri()))) {
            OkHttpClient h2 = pki.client(Optional.empty(), List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
            URI https = f.edge.httpsUri().orElseThrow();
            String url = "https://" + EdgeFixture.HOST + ":" + https.getPort() + "/video.mp4";
            try (Response r = h2.newCall(new Request.Builder().url(url).build()).execute()) {
                assertThat(r.protocol()).isEqualTo(Protocol.HTTP_2);
                InputStream in = r.body().byteStream();
                byte[] start = in.readNBytes((int) (5 * MIB));
                byte[] expected = new byte[start.length];
                RangeOrigin.fill(expected, expected.length, 0, 1);
                assertThat(Arrays.equals(start, expected)).as("the first 5 MiB are version 1").isTrue();
                origin.version = 2;
                assertThatThrownBy(() -> {
                    byte[] buffer = new byte[64 * 1024];
                    long at = start.length;
                    for (int n; (n = in.read(buffer)) >= 0; at += n) {
                        byte[] v1 = new byte[n];
                        RangeOrigin.fill(v1, n, at, 1);
                        assertThat(Arrays.equals(Arrays.copyOf(buffer, n), v1)).as("bytes from %d", at).isTrue();
                    }
                }).isInstanceOfSatisfying(StreamResetException.class,
                        reset -> assertThat(reset.errorCode).isEqualTo(ErrorCode.CANCEL));
            }
        }
    }
}
