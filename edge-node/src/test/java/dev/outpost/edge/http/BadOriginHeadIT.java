package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.edge.origin.OriginClient;
import dev.outpost.testkit.FakeOrigin;
import dev.outpost.testkit.LogRecords;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * One URL whose origin answers with a head the edge does not accept (over {@code limits.maxOriginHeaderBytes}, or
 * over what a client reads at all) is a 502 for that URL only. Before, each such answer counted against the
 * origin's circuit: on the IO thread's client a head larger than its buffer looked like a reset connection, on the
 * blocking client one over OkHttp's 256 KiB did, and five of them opened the circuit, so every other URL of that
 * origin was answered 503 {@code origin_down}. Holds on both miss paths ({@code -Doutpost.fetchOnIoThread=false}).
 */
class BadOriginHeadIT {
    private static final String HOST = "bad-head.test";
    private final OkHttpClient client = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(20))
            .retryOnConnectionFailure(false).build();

    /** {@code /head/<kb>} answers with about that many KB of header lines; anything else is an ordinary answer. */
    private static FakeOrigin origin() throws IOException {
        return FakeOrigin.start(request -> {
            FakeOrigin.Answer answer = FakeOrigin.Answer.ok("fine").header("Cache-Control", "max-age=60");
            if (request.path().startsWith("/head/")) {
                int kb = Integer.parseInt(request.path().substring("/head/".length()));
                for (int i = 0; i < kb; i++) {
                    answer.header("X-Filler-" + i, "v".repeat(1000));
                }
            }
            return answer;
        });
    }

    private Response get(EdgeNode edge, String path) throws IOException {
        return client.newCall(new Request.Builder().url(edge.baseUri() + path).header("Host", HOST).build())
                .execute();
    }

    private void assertEachIs502AndTheOriginStaysUp(EdgeNode edge, FakeOrigin origin, int kb) throws IOException {
        for (int i = 0; i < 8; i++) { // more than the circuit's 5 failures in a row
            try (Response r = get(edge, "/head/" + kb + "?try=" + i)) {
                assertThat(r.code()).as("a %d KB head", kb).isEqualTo(502);
                assertThat(r.body().string()).contains("\"error\":\"origin_unreachable\"")
                        .contains("does not accept");
            }
        }
        try (Response ok = get(edge, "/ordinary?after=" + kb)) {
            assertThat(ok.code()).as("another URL of the same origin after 8 such answers").isEqualTo(200);
            assertThat(ok.body().string()).isEqualTo("fine");
        }
        assertThat(origin.requests()).isPositive();
    }

    @Test
    void headsOverTheLimitOrOverWhatAClientReadsAre502ForTheirUrlAndNeverOpenTheOriginsCircuit() throws Exception {
        try (FakeOrigin origin = origin();
                LogRecords logs = LogRecords.of(OriginClient.class);
                EdgeNode edge = EdgeNode.start(EdgeConfig.of("edge-bad-head", "127.0.0.1:0",
                        DeliveryService.of("bad-head", List.of(HOST), List.of(origin.uri()))))) {
            assertEachIs502AndTheOriginStaysUp(edge, origin, 80); // over maxOriginHeaderBytes (64 KiB)
            assertEachIs502AndTheOriginStaysUp(edge, origin, 300); // over OkHttp's 256 KiB as well

            assertThat(logs.messages(Level.WARNING)).filteredOn(m -> m.contains("cannot use"))
                    .as("one warning a minute, not one per answer").hasSize(1)
                    .allSatisfy(m -> assertThat(m).contains(origin.uri().toString()).contains("response head"));
        }
    }
}
