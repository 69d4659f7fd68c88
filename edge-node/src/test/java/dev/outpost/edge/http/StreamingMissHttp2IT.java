package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.EdgeTls;
import dev.outpost.edge.tls.TestPki;
import java.net.URI;
import java.nio.file.Path;
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
 * A miss that breaks mid-body over HTTP/2 (RFC 9113 §8.1): the client's stream is reset (RST_STREAM, CANCEL) after
 * the bytes that did arrive, never ended as if complete; nothing is stored. (The edge's abort closes the exchange's
 * connection, which for HTTP/2 is Undertow's Http2ServerConnection: it resets only that stream. OkHttp retires a
 * connection after a server's CANCEL and reports a peer's clean close as CANCEL too, so it cannot tell the two
 * apart here.)
 */
class StreamingMissHttp2IT {
    private static final int SIZE = 256 * 1024;
    private static final int HELD_AFTER = 128 * 1024;

    @TempDir
    Path dir;

    @Test
    void aBodyCutShortResetsTheClientsStreamAndIsNeverStored() throws Exception {
        byte[] body = new byte[SIZE];
        TestPki pki = new TestPki(dir.resolve("ca"), "Outpost CA");
        Path tlsDir = pki.provision(dir.resolve("edge-tls"), pki.identity(List.of(EdgeFixture.HOST),
                List.of(TestPki.loopback())));
        try (HoldingOrigin origin = new HoldingOrigin(body, HELD_AFTER, true, "max-age=600");
                EdgeFixture f = new EdgeFixture(c -> c.withTls(EdgeTls.in(tlsDir.toString())
                        .withListen("127.0.0.1:0")), List.of(origin.uri()))) {
            OkHttpClient h2 = pki.client(Optional.empty(), List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
            URI https = f.edge.httpsUri().orElseThrow();
            String base = "https://" + EdgeFixture.HOST + ":" + https.getPort();
            try (Response cut = h2.newCall(new Request.Builder().url(base + "/cut").build()).execute()) {
                assertThat(cut.protocol()).isEqualTo(Protocol.HTTP_2);
                assertThat(cut.body().byteStream().readNBytes(64 * 1024)).hasSize(64 * 1024);
                origin.release(); // the origin closes the connection instead of sending the rest
                assertThatThrownBy(() -> cut.body().byteStream().readAllBytes())
                        .isInstanceOfSatisfying(StreamResetException.class,
                                reset -> assertThat(reset.errorCode).isEqualTo(ErrorCode.CANCEL));
            }
            assertThat(f.edge.store().lookup(EdgeFixture.key("/cut"), Fields.empty())).isEmpty();
        }
    }
}
