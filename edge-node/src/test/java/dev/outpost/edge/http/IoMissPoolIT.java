package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.origin.IoCounts;
import dev.outpost.edge.origin.IoOrigin;
import dev.outpost.testkit.FakeOrigin;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The origin connections the IO thread's client keeps (on with {@code origin.fetchOnIoThread}) are held to the
 * blocking client's pool rules: bytes an origin sent on a connection while it sat idle are never taken for the next
 * answer (the connection is closed, the miss goes out on another one), and none is left open once the edge
 * closed. With the path off the same promises hold
 * for the blocking client (OriginSocket).
 */
class IoMissPoolIT {
    private static final String SMUGGLED =
            "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nCache-Control: max-age=86400\r\n\r\nPOISON";

    @Test
    void bytesAnOriginSentOnAnIdleConnectionAreNeverTakenForTheNextAnswer() throws Exception {
        long before = IoCounts.counted(IoCounts.Count.UNASKED_BYTES_AT_REUSE);
        try (FakeOrigin origin = FakeOrigin.start(r -> r.path().equals("/first")
                ? FakeOrigin.Answer.ok("ok").header("Cache-Control", "max-age=600")
                        .excessAfterBody(SMUGGLED, Duration.ofMillis(300))
                : FakeOrigin.Answer.ok("fine " + r.path()).header("Cache-Control", "max-age=600"));
                EdgeFixture f = new EdgeFixture(UnaryOperator.identity(), List.of(origin.uri()))) {
            EdgeFixture.Answer first = f.fetch("/first");
            assertThat(first.body()).isEqualTo("ok");
            await().atMost(Duration.ofSeconds(10)).until(() -> origin.answeredWhole() == 1); // the bytes were sent

            for (int i = 0; i < 2; i++) {
                EdgeFixture.Answer next = f.fetch("/next");
                assertThat(next.body()).isEqualTo("fine /next");
                assertThat(next.xCache()).isEqualTo(i == 0 ? "MISS" : "HIT");
            }
            assertThat(origin.requests("/next")).isEqualTo(1);
            assertThat(origin.connections()).as("the poisoned connection was not used again").isEqualTo(2);
        }
        if (IoOrigin.ENABLED) {
            assertThat(IoCounts.counted(IoCounts.Count.UNASKED_BYTES_AT_REUSE)).isGreaterThan(before);
        }
    }

    @Test
    void noOriginConnectionIsLeftOpenWhenTheEdgeCloses() throws Exception {
        try (FakeOrigin origin = FakeOrigin.start(r -> FakeOrigin.Answer.ok("fine " + r.path())
                .header("Cache-Control", "max-age=600"))) {
            EdgeFixture f = new EdgeFixture(UnaryOperator.identity(), List.of(origin.uri()));
            try (f) {
                for (int i = 0; i < 3; i++) {
                    assertThat(f.fetch("/" + i).body()).isEqualTo("fine /" + i);
                }
                assertThat(origin.openConnections()).as("kept alive while the edge runs").isGreaterThan(0);
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(origin.openConnections())
                    .as("origin connections left open after EdgeNode.close").isZero());
        }
    }
}
