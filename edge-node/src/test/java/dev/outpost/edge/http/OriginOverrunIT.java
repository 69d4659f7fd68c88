package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.testkit.FakeOrigin;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Through the whole edge: an origin answer followed by a smuggled response (bytes beyond its Content-Length or
 * its last chunk) is delivered as announced but not stored, and the smuggled response is never cached under the
 * URL asked next on that origin connection.
 */
class OriginOverrunIT {
    private static final String SMUGGLED =
            "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nCache-Control: max-age=86400\r\n\r\nPOISON";

    private static void smuggledAfter(UnaryOperator<FakeOrigin.Answer> framing) throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(r -> r.path().equals("/broken")
                ? framing.apply(FakeOrigin.Answer.ok("ok")).header("Cache-Control", "max-age=600")
                        .excessAfterBody(SMUGGLED)
                : FakeOrigin.Answer.ok("fine " + r.path()).header("Cache-Control", "max-age=600"));
                EdgeFixture f = new EdgeFixture(UnaryOperator.identity(), List.of(origin.uri()))) {
            EdgeFixture.Answer broken = f.fetch("/broken");
            assertThat(broken.code()).isEqualTo(200);
            assertThat(broken.body()).isEqualTo("ok");
            assertThat(broken.xCache()).isEqualTo("MISS");

            for (int i = 0; i < 2; i++) {
                EdgeFixture.Answer next = f.fetch("/next");
                assertThat(next.body()).isEqualTo("fine /next");
                assertThat(next.xCache()).isEqualTo(i == 0 ? "MISS" : "HIT");
            }
            EdgeFixture.Answer again = f.fetch("/broken");
            assertThat(again.body()).isEqualTo("ok");
            assertThat(again.xCache()).as("an answer that overran its framing is not stored").isEqualTo("MISS");
            assertThat(origin.requests("/broken")).isEqualTo(2);
            assertThat(origin.requests("/next")).isEqualTo(1);
        }
    }

    @Test
    void aResponseSmuggledAfterAContentLengthBodyIsNeitherStoredNorServed() throws Exception {
        smuggledAfter(UnaryOperator.identity());
    }

    @Test
    void aResponseSmuggledAfterTheLastChunkIsNeitherStoredNorServed() throws Exception {
        smuggledAfter(FakeOrigin.Answer::chunked);
    }
}
