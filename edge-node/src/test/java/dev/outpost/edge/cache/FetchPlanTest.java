package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link FetchPlan#of}, one row per branch: what the edge does with an origin answer, from its head alone. */
class FetchPlanTest {
    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");
    private static final long MAX = 1_000_000;

    private static FetchPlan plan(boolean pass, boolean rangeAsked, Optional<CachedObject> stale, int status,
            long length, boolean framed, String... headers) {
        return FetchPlan.of(new FetchPlan.Facts(pass, rangeAsked, stale, status, Fields.of(headers), length, framed,
                Credentials.Use.NONE, false, NOW, MAX));
    }

    private static FetchPlan plan(int status, long length, String... headers) {
        return plan(false, false, Optional.empty(), status, length, true, headers);
    }

    private static Optional<CachedObject> staleCopy(String cacheControl) {
        return Optional.of(TestObjects.stored("svc/a", 200, "old", NOW.minusSeconds(100), "Cache-Control",
                cacheControl, "ETag", "\"e\""));
    }

    @Test
    void aStorableAnswerOfKnownLengthWithinTheLimitIsStreamedAndStored() {
        assertThat(plan(200, 500, "Cache-Control", "max-age=60"))
                .isEqualTo(new FetchPlan.Stream(true, Optional.empty(), false));
    }

    @Test
    void aChunkedStorableAnswerIsStreamedAndStoredIfItEndsWithinTheLimit() {
        assertThat(plan(200, -1, "Cache-Control", "max-age=60"))
                .isEqualTo(new FetchPlan.Stream(true, Optional.empty(), false));
    }

    @Test
    void anAnswerThatMayNotBeStoredIsRelayedAndTheUrlPassed() {
        assertThat(plan(200, 500, "Cache-Control", "private"))
                .isEqualTo(new FetchPlan.Stream(false, Optional.of("private"), true));
    }

    @Test
    void aLargerAnswerThanTheObjectLimitIsRelayed() {
        assertThat(plan(200, MAX + 1, "Cache-Control", "max-age=60"))
                .isEqualTo(new FetchPlan.Stream(false, Optional.of("too-large"), true));
    }

    @Test
    void aCloseDelimitedBodyIsRelayedBecauseACutLooksLikeAnEnd() {
        assertThat(plan(false, false, Optional.empty(), 200, -1, false, "Cache-Control", "max-age=60"))
                .isEqualTo(new FetchPlan.Stream(false, Optional.of("unknown-length"), true));
    }

    @Test
    void hitForPassRelaysWithoutMarkingTheUrlAgain() {
        assertThat(plan(true, false, Optional.empty(), 200, 10, true, "Cache-Control", "max-age=60"))
                .isEqualTo(new FetchPlan.Stream(false, Optional.of("hit-for-pass"), false));
    }

    @Test
    void a304ToTheRevalidationOfAWholeCopyRefreshesIt() {
        assertThat(plan(false, false, staleCopy("max-age=10"), 304, 0, true)).isInstanceOf(FetchPlan.Refresh.class);
    }

    @Test
    void a206ToARangeTheEdgeAskedForIsAPieceStorableWhenTheWhole200WouldBe() {
        assertThat(plan(false, true, Optional.empty(), 206, 10, true, "Cache-Control", "max-age=60"))
                .isEqualTo(new FetchPlan.Piece(Optional.empty()));
        assertThat(plan(false, true, Optional.empty(), 206, 10, true, "Cache-Control", "no-store"))
                .isEqualTo(new FetchPlan.Piece(Optional.of("no-store")));
    }

    @Test
    void aServerErrorIsAFailureWhenItMayNotBeStoredOrAStaleCopyMayAnswer() {
        assertThat(plan(503, 10)).isInstanceOf(FetchPlan.ServerError.class);
        assertThat(plan(false, false, staleCopy("max-age=10, stale-if-error=600"), 500, 10, true,
                "Cache-Control", "max-age=60")).isInstanceOf(FetchPlan.ServerError.class);
    }

    @Test
    void aServerErrorWithExplicitFreshnessIsStoredLikeAnyAnswer() {
        assertThat(plan(500, 10, "Cache-Control", "max-age=60"))
                .isEqualTo(new FetchPlan.Stream(true, Optional.empty(), false));
    }

    @Test
    void aNewAnswerReplacingACopyThatMayAnswerErrorsIsReadWholeFirst() {
        assertThat(plan(false, false, staleCopy("max-age=10, stale-if-error=600"), 200, 10, true,
                "Cache-Control", "max-age=60")).isEqualTo(new FetchPlan.Buffer(Optional.empty()));
        assertThat(plan(false, false, staleCopy("max-age=10, stale-if-error=0"), 200, 10, true,
                "Cache-Control", "max-age=60")).as("no longer allowed to answer errors: streamed")
                .isInstanceOf(FetchPlan.Stream.class);
    }
}
