package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.OriginTimeouts;
import dev.outpost.testkit.FakeOrigin;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An origin answer whose body outgrows its Content-Length leaves bytes on the kept-alive connection; the next
 * request that goes out on that connection must not pay for it.
 */
class OriginConnectionReuseIT {
    private static final OriginClient.Listener QUIET = new OriginClient.Listener() {
        @Override
        public void originResponded(int status, Duration latency) {
        }

        @Override
        public void originFailed(Duration latency) {
        }
    };

    private static OriginClient client() {
        return new OriginClient(new OriginTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(5),
                null, null, null), Clock.systemUTC(), QUIET);
    }

    private static String body(OriginResponse response) throws IOException {
        try (response; InputStream in = response.body()) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static OriginRequest request(String method, String path) {
        return new OriginRequest(method, path, Fields.empty(), new byte[0], "127.0.0.1");
    }

    @Test
    void aGetAfterAnAnswerThatLeftExcessBytesOnTheConnectionIsAnsweredFromACleanOne()
            throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(r -> r.path().equals("/broken")
                ? FakeOrigin.Answer.ok("ok").excessAfterBody("-and-26-more-bytes-nobody-announced")
                : FakeOrigin.Answer.ok("fine " + r.path()));
                OriginClient client = client()) {
            List<java.net.URI> origins = List.of(origin.uri());
            assertThat(body(client.send(origins, request("GET", "/broken")))).isEqualTo("ok");

            OriginResponse next = client.send(origins, request("GET", "/next"));

            assertThat(next.status()).isEqualTo(200);
            assertThat(body(next)).isEqualTo("fine /next");
            assertThat(client.health().allows(origin.uri())).isTrue();
        }
    }

    @Test
    void anUnsafeRequestIsNeverSentTwiceEvenThen() throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(r -> r.path().equals("/broken")
                ? FakeOrigin.Answer.ok("ok").excessAfterBody("garbage")
                : FakeOrigin.Answer.ok("fine"));
                OriginClient client = client()) {
            List<java.net.URI> origins = List.of(origin.uri());
            assertThat(body(client.send(origins, request("GET", "/broken")))).isEqualTo("ok");

            assertThatThrownBy(() -> client.send(origins, new OriginRequest("PUT", "/form", Fields.empty(),
                    new byte[0], "127.0.0.1"))).isInstanceOf(OriginUnreachable.class)
                    .hasMessageContaining("Unexpected status line");
            assertThat(origin.requests("/form")).isEqualTo(1); // idempotent, but it may have been acted on
        }
    }
}
