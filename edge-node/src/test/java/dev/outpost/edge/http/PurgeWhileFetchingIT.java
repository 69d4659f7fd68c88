package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeFixture.Answer;
import dev.outpost.edge.cache.Fields;
import dev.outpost.common.wire.EdgePurge;
import dev.outpost.testkit.FakeOrigin;
import dev.outpost.testkit.FakeOrigin.Hold;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A purge that completes while an origin answer is still on its way is never undone by that answer: the answer is
 * not stored (hard purge) or stored already stale (soft purge), and requests arriving after the purge do not wait
 * for the old fetch. The origin holds its first answer in the middle of the body until the test lets it go.
 */
class PurgeWhileFetchingIT {
    private static final String PATH = "/app.js";
    private static final int BODY_BYTES = 64 * 1024;

    @Test
    void aPurgeWhileTheAnswerIsStillArrivingKeepsItOutOfTheStore() throws Exception {
        Hold halfSent = new Hold();
        try (FakeOrigin origin = versionedOrigin(halfSent); EdgeFixture f = edgeIn(origin)) {
            CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> fetch(f, PATH));
            halfSent.awaitReached();
            purge(f, new EdgePurge(List.of("http://" + EdgeFixture.HOST + PATH), null, null, null, null, null));
            halfSent.release();
            Answer during = first.get(10, TimeUnit.SECONDS);
            assertThat(version(during)).isEqualTo("v1");
            // Its head went out before the purge ran (the body is relayed as it arrives), so it cannot say so.
            assertThat(f.edge.store().lookup(EdgeFixture.key(PATH), Fields.empty())).isEmpty();
            assertThat(f.edge.store().refusedAfterPurge()).isEqualTo(1);
            assertThat(f.fetch("/_edge/metrics").body()).as("exported to operators")
                    .contains("edge_store_purged_while_fetching_total 1.0");

            Answer after = fetch(f, PATH);
            assertThat(after.xCache()).isEqualTo("MISS");
            assertThat(version(after)).isEqualTo("v2");
            assertThat(fetch(f, PATH).xCache()).isEqualTo("HIT");
            assertThat(origin.requests()).isEqualTo(2);
        }
    }

    @Test
    void aRequestArrivingAfterThePurgeDoesNotWaitForTheFetchThatBeganBeforeIt() throws Exception {
        Hold halfSent = new Hold();
        try (FakeOrigin origin = versionedOrigin(halfSent); EdgeFixture f = edgeIn(origin)) {
            CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> fetch(f, PATH));
            halfSent.awaitReached();
            purge(f, new EdgePurge(null, List.of("http://" + EdgeFixture.HOST + "/"), null, null, null, null));
            // The first answer is still held by the origin: this one must fetch for itself and get the new version.
            Answer second = fetch(f, PATH);
            assertThat(version(second)).isEqualTo("v2");
            assertThat(second.xCache()).isEqualTo("MISS");
            assertThat(first).isNotDone();
            halfSent.release();
            assertThat(version(first.get(10, TimeUnit.SECONDS))).isEqualTo("v1");
            assertThat(version(fetch(f, PATH))).as("the old answer never replaced the new one").isEqualTo("v2");
        }
    }

    @Test
    void aTagPurgeDuringTheFetchKeepsOutTheAnswerCarryingTheTag() throws Exception {
        Hold halfSent = new Hold();
        try (FakeOrigin origin = versionedOrigin(halfSent); EdgeFixture f = edgeIn(origin)) {
            CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> fetch(f, PATH));
            halfSent.awaitReached();
            purge(f, new EdgePurge(null, null, List.of("scripts"), null, null, null));
            halfSent.release();
            first.get(10, TimeUnit.SECONDS);
            assertThat(f.edge.store().lookup(EdgeFixture.key(PATH), Fields.empty())).isEmpty();
            assertThat(version(fetch(f, PATH))).isEqualTo("v2");
        }
    }

    @Test
    void aSoftPurgeDuringTheFetchStoresTheAnswerStaleSoTheNextRequestRevalidates() throws Exception {
        Hold halfSent = new Hold();
        try (FakeOrigin origin = versionedOrigin(halfSent); EdgeFixture f = edgeIn(origin)) {
            CompletableFuture<Answer> first = CompletableFuture.supplyAsync(() -> fetch(f, PATH));
            halfSent.awaitReached();
            purge(f, new EdgePurge(List.of("http://" + EdgeFixture.HOST + PATH), null, null, null, null, true));
            halfSent.release();
            first.get(10, TimeUnit.SECONDS);
            assertThat(f.edge.store().lookup(EdgeFixture.key(PATH), Fields.empty())).get()
                    .satisfies(o -> assertThat(o.invalidated()).isTrue());
            Answer next = fetch(f, PATH);
            assertThat(version(next)).isEqualTo("v2");
            assertThat(origin.requests()).isEqualTo(2);
            assertThat(origin.received().stream().flatMap(r -> r.header("If-None-Match").stream()).findFirst())
                    .as("the stale copy was revalidated with its validator").hasValue("\"v1\"");
        }
    }

    /** The version an answer carries ("v1"...), and that its body is whole: never the body itself in a message. */
    private static String version(Answer answer) {
        String body = answer.body();
        String version = body.substring(0, Math.max(0, body.indexOf('-')));
        assertThat(body.equals(body(version))).as("a whole body of %s (%d bytes)", version, body.length())
                .isTrue();
        return version;
    }

    private static EdgeFixture edgeIn(FakeOrigin origin) throws IOException {
        return new EdgeFixture(UnaryOperator.identity(), List.of(origin.uri()));
    }

    private static void purge(EdgeFixture f, EdgePurge request) {
        f.edge.purger().purge(request);
    }

    private static Answer fetch(EdgeFixture f, String path) {
        try {
            return f.fetch(path);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The origin: answer n carries version v{n}, {@code Surrogate-Key: scripts}, an ETag and a long max-age; the
     * first answer stops after half its body at {@code firstAnswerHalfSent}. Each request moves to the next version,
     * so a revalidation (conditional on the old ETag) gets the new one whole.
     */
    private static FakeOrigin versionedOrigin(Hold firstAnswerHalfSent) throws IOException {
        return FakeOrigin.start(request -> {
            int n = request.number();
            FakeOrigin.Answer answer = FakeOrigin.Answer.ok(body("v" + n).getBytes(StandardCharsets.US_ASCII))
                    .header("Cache-Control", "public, max-age=3600").header("ETag", "\"v" + n + "\"")
                    .header("Surrogate-Key", "scripts").header("Date", HttpDates.format(Instant.now()));
            return n == 1 ? answer.holdAt(BODY_BYTES / 2, firstAnswerHalfSent) : answer;
        });
    }

    /** The body of a version: "v1-v1-v1-..." for 64 KiB. */
    private static String body(String version) {
        return (version + "-").repeat(BODY_BYTES / (version.length() + 1) + 1).substring(0, BODY_BYTES);
    }
}
